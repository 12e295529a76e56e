import os
import pathlib
import time

import pulumi
import pulumi_aws as aws

aws.sns.Topic("events")
pathlib.Path(pulumi.Config().require("startedFile")).write_text(str(os.getpid()))
time.sleep(60)
