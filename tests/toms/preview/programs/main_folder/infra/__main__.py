import os

import pulumi
import pulumi_aws as aws
from naming import object_key

site = aws.s3.BucketV2("site")
# Relative to the working directory, which the Pulumi CLI sets to the folder `main:` names.
for name in sorted(os.listdir("www")):  # noqa: PTH208 - written as programs usually are
    aws.s3.BucketObject(name, bucket=site.id, key=object_key(name), source=pulumi.FileAsset(f"www/{name}"))
