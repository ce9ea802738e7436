"""Start the machine's moto server (python3 -m moto.server) with two narrow fidelity fixes.

Both fix moto 5.2 CloudFormation handlers that diverge from AWS in a way that breaks the checks;
everything else is stock moto. Each patch is a no-op if moto already behaves.

1. AWS::ECR::Repository without RepositoryName: CloudFormation generates a lower-case name (ECR only
   accepts lower case); moto generates "<Stack>-<LogicalId>-<suffix>" and then rejects it, so the
   stack fails to deploy. The patch lower-cases the generated name for that resource type only.
2. AWS::KMS::Key: moto stores the KeyPolicy object as given, where KMS stores a JSON string, and then
   fails every DescribeKey of that key with HTTP 500 (json.loads of a dict). The patch stores the
   policy as a JSON string.

Usage: python3 scripts/e2e/moto_server.py -H 127.0.0.1 -p PORT
"""

import json
import sys
from typing import Any

from moto import server
from moto.cloudformation import parsing
from moto.kms.models import Key

_generate_resource_name = parsing.generate_resource_name
_create_key_from_cloudformation_json = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _generate_lower_case_ecr_names(resource_type: str, stack_name: str, logical_id: str) -> str:
    name = _generate_resource_name(resource_type, stack_name, logical_id)
    return name.lower() if resource_type == "AWS::ECR::Repository" else name


def _create_key_with_policy_text(cls: Any, *args: Any, **kwargs: Any) -> Key:
    key = _create_key_from_cloudformation_json(cls, *args, **kwargs)
    if isinstance(key.policy, (dict, list)):
        key.policy = json.dumps(key.policy)
    return key


parsing.generate_resource_name = _generate_lower_case_ecr_names
Key.create_from_cloudformation_json = classmethod(_create_key_with_policy_text)  # type: ignore[method-assign]

if __name__ == "__main__":
    server.main(sys.argv[1:])
