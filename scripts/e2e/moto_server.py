"""Start the machine's moto server (python3 -m moto.server) with four narrow fidelity fixes.

Each fixes a moto 5.2 CloudFormation behaviour that diverges from AWS in a way that breaks a
deployment or a check; everything else is stock moto. Each patch is a no-op if moto already behaves.

1. AWS::ECR::Repository without RepositoryName: CloudFormation generates a lower-case name (ECR only
   accepts lower case); moto generates "<Stack>-<LogicalId>-<suffix>" and then rejects it, so the
   stack fails to deploy. The patch lower-cases the generated name for that resource type only.
2. AWS::KMS::Key: moto stores the KeyPolicy object as given, where KMS stores a JSON string, and then
   fails every DescribeKey of that key with HTTP 500 (json.loads of a dict). The patch stores the
   policy as a JSON string.
3. Change sets (what `cdk deploy` uses): a stack created through a change set never publishes its
   Outputs' exports, and cannot import other stacks' exports, so every cross-stack reference
   (Fn::ImportValue) fails with "No export named ... found". The patch gives change-set stacks the
   region's exports and, after execution, publishes the stack's own exports, as CreateStack does.
4. AWS::EC2::RouteTable has no delete handler, so deleting any stack with a VPC fails ("the vpc has
   dependencies"). The patch deletes the route table like DeleteRouteTable.

The server also exits when the process that started it is gone (checked every second), so a test
run killed with SIGKILL does not leave it behind.

Usage: python3 scripts/e2e/moto_server.py -H 127.0.0.1 -p PORT
"""

import json
import os
import sys
import threading
import time
from typing import Any

from moto import server
from moto.cloudformation import parsing
from moto.cloudformation.models import CloudFormationBackend
from moto.ec2.models import ec2_backends
from moto.ec2.models.route_tables import RouteTable
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


_create_change_set = CloudFormationBackend.create_change_set
_execute_change_set = CloudFormationBackend.execute_change_set


def _create_change_set_with_imports(self: CloudFormationBackend, *args: Any, **kwargs: Any) -> Any:
    change_set_id, stack_id = _create_change_set(self, *args, **kwargs)
    stack = self.stacks[stack_id]
    # The region's export table itself, so that exports published later are visible too.
    stack.cross_stack_resources = self.exports
    stack.resource_map.cross_stack_resources = self.exports
    return change_set_id, stack_id


def _execute_change_set_with_exports(self: CloudFormationBackend, change_set_name: str, stack_name: Any = None) -> None:
    _execute_change_set(self, change_set_name, stack_name)
    # The same lookup as moto's execute_change_set: by id, else the last change set of that name.
    change_set = self.change_sets.get(change_set_name)
    if change_set is None:
        change_set = [cs for cs in self.change_sets.values() if cs.change_set_name == change_set_name][-1]
    stack = self.stacks[change_set.stack_id]
    stack._parse_template()
    stack.output_map = stack._create_output_map()
    for name in [name for name, export in self.exports.items() if export.exporting_stack_id == stack.stack_id]:
        del self.exports[name]
    for export in stack.exports:
        self.exports[export.name] = export


def _delete_route_table(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> None:
    ec2_backends[account_id][region_name].delete_route_table(resource_name)


parsing.generate_resource_name = _generate_lower_case_ecr_names
CloudFormationBackend.create_change_set = _create_change_set_with_imports  # type: ignore[method-assign]
CloudFormationBackend.execute_change_set = _execute_change_set_with_exports  # type: ignore[method-assign]
if "delete_from_cloudformation_json" not in vars(RouteTable):
    RouteTable.delete_from_cloudformation_json = classmethod(_delete_route_table)  # type: ignore[assignment]
Key.create_from_cloudformation_json = classmethod(_create_key_with_policy_text)  # type: ignore[method-assign]



def _exit_with_parent() -> None:
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    server.main(sys.argv[1:])
