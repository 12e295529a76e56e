import os

import pulumi
import pulumi_aws as aws

site = aws.s3.BucketV2("site")
# Relative to the working directory, which the Pulumi CLI sets to the program's folder.
for name in sorted(os.listdir("www")):  # noqa: PTH208 - written as programs usually are
    aws.s3.BucketObject(name, bucket=site.id, key=name, source=pulumi.FileAsset(f"www/{name}"))
