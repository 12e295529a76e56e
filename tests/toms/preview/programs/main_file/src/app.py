from pathlib import Path

import pulumi_aws as aws

# Relative to the working directory, which the Pulumi CLI sets to the folder of the file `main:` names.
topic_name = Path("topic-name.txt").read_text(encoding="utf-8").strip()
aws.sns.Topic("events", name=topic_name)
