"""Starts a moto server with the mends iot-policy-guard's tests rely on, applied in memory (no installed file changes).

    python3 serve.py HOST PORT

moto 5.2.x lacks these things the tests need:
- ListEntitiesForPolicy looks at only the first 100 roles (or users) and never pages: a holder past the 100th role is
  never found, and MaxItems/Marker are ignored. The mend finds every holder and pages over the holders.
- moto's CloudFormation imports API Gateway, which imports openapi-spec-validator; some installs (Debian's) lack it.
  A stand-in module lets CloudFormation load; it refuses to validate OpenAPI documents, which this stack has none of.
- moto's ValidateTemplate runs cfn-lint where it is installed and fails on any finding (even "this condition is
  always false", which the package-time mode makes true of every stack), or fails to import it where it is not. AWS's
  ValidateTemplate checks syntax only: the mend returns no findings. (The template is checked against the
  CloudFormation resource specification by the project's own tests instead.)
- CloudFormation cannot create (or delete) AWS::Scheduler::ScheduleGroup or AWS::Scheduler::Schedule: two resource
  models are added.
- Athena's GetQueryResults returns every seeded row at once and ignores MaxResults/NextToken; AWS returns at most
  MaxResults (1,000) rows a page. The mend pages the seeded rows.
- IAM Identity Center permission set ARNs are spelt `instance/…/ps-…`; AWS spells them `permissionSet/…/ps-…`, and
  the guard accepts only AWS's spelling.
- A KMS key made by CloudFormation keeps its policy as an object, and DescribeKey of it fails with HTTP 500: the mend
  stores it as JSON text, as KMS does.
AWS managed policies (the IoT ones with their real paths) are loaded: MOTO_IAM_LOAD_MANAGED_POLICIES=true.
"""
import os
import sys
import types
from typing import Any

os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"


def stand_in_openapi_spec_validator() -> None:
    try:
        import openapi_spec_validator  # noqa: F401
        return
    except ImportError:
        pass

    def validate(*_args: Any, **_kwargs: Any) -> None:
        raise NotImplementedError("openapi-spec-validator is not installed with this moto")

    class OpenAPIValidationError(Exception):
        pass

    root = types.ModuleType("openapi_spec_validator")
    root.validate = validate  # type: ignore[attr-defined]
    root.validate_spec = validate  # type: ignore[attr-defined]
    validation = types.ModuleType("openapi_spec_validator.validation")
    exceptions = types.ModuleType("openapi_spec_validator.validation.exceptions")
    exceptions.OpenAPIValidationError = OpenAPIValidationError  # type: ignore[attr-defined]
    root.validation = validation  # type: ignore[attr-defined]
    validation.exceptions = exceptions  # type: ignore[attr-defined]
    sys.modules.update({root.__name__: root, validation.__name__: validation, exceptions.__name__: exceptions})


def validate_templates_as_aws_does() -> None:
    import moto.cloudformation.models as models
    import moto.cloudformation.utils as utils

    def no_lint(_template: str) -> list:
        return []

    utils.validate_template_cfn_lint = no_lint
    models.validate_template_cfn_lint = no_lint


def page_list_entities_for_policy() -> None:
    from moto.core.responses import ActionResult
    from moto.iam.responses import IamResponse

    def list_entities_for_policy(self: Any) -> Any:
        policy_arn = self._get_param("PolicyArn")
        entity = self._get_param("EntityFilter")
        path_prefix = self._get_param("PathPrefix")
        marker = self._get_param("Marker")
        max_items = self._get_param("MaxItems")

        def wanted(kind: str) -> bool:
            return not entity or entity == kind or entity in ("LocalManagedPolicy", "AWSManagedPolicy")

        holders: list = []
        if wanted("User"):
            holders += [("u", u) for u in self.backend.list_users(path_prefix, None, None) if policy_arn in u.managed_policies]
        if wanted("Role"):
            roles, _ = self.backend.list_roles(path_prefix, None, 10**9)
            holders += [("r", r) for r in roles if policy_arn in r.managed_policies]
        if wanted("Group"):
            holders += [("g", g) for g in self.backend.list_groups() if policy_arn in g.managed_policies]

        start = int(marker) if marker else 0
        size = int(max_items) if max_items else 100
        page = holders[start : start + size]
        result = {
            "PolicyUsers": [e for kind, e in page if kind == "u"],
            "PolicyRoles": [e for kind, e in page if kind == "r"],
            "PolicyGroups": [e for kind, e in page if kind == "g"],
            "IsTruncated": len(holders) > start + size,
        }
        if result["IsTruncated"]:
            result["Marker"] = str(start + size)
        return ActionResult(result)

    IamResponse.list_entities_for_policy = list_entities_for_policy


def page_athena_query_results() -> None:
    import json

    from moto.athena.responses import AthenaResponse

    def get_query_results(self: Any) -> str:
        exec_id = self._get_param("QueryExecutionId")
        token = self._get_param("NextToken")
        max_results = self._get_param("MaxResults")
        result = self.athena_backend.get_query_results(exec_id).to_dict()
        rows = result["ResultSet"]["Rows"]
        start = int(token) if token else 0
        size = int(max_results) if max_results else 1000
        result["ResultSet"]["Rows"] = rows[start : start + size]
        if len(rows) > start + size:
            result["NextToken"] = str(start + size)
        return json.dumps(result)

    AthenaResponse.get_query_results = get_query_results


def spell_permission_set_arns_as_aws_does() -> None:
    """moto makes permission set ARNs `arn:aws:sso:::instance/ssoins-…/ps-…`; AWS spells them `permissionSet/`."""
    import secrets

    from moto.ssoadmin.models import PermissionSet

    def generate_id(instance_arn: str) -> str:
        return instance_arn.replace(":sso:::instance/", ":sso:::permissionSet/", 1) + "/ps-" + secrets.token_hex(8)

    PermissionSet.generate_id = staticmethod(generate_id)


def keep_key_policies_as_text() -> None:
    """moto's CloudFormation stores a KMS key's KeyPolicy as the template's object (with a removed Fn::If branch left
    as null), and every DescribeKey of that key then fails with HTTP 500. KMS keeps policies as JSON text."""
    import copy
    import json

    from moto.kms.models import Key

    original = Key.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
        template = copy.deepcopy(cloudformation_json)
        policy = template.get("Properties", {}).get("KeyPolicy")
        if policy is not None and not isinstance(policy, str):
            if isinstance(policy, dict) and isinstance(policy.get("Statement"), list):
                policy["Statement"] = [statement for statement in policy["Statement"] if statement is not None]
            template["Properties"]["KeyPolicy"] = json.dumps(policy)
        return original(cls, resource_name, template, account_id, region_name, **kwargs)

    Key.create_from_cloudformation_json = classmethod(create)


def add_scheduler_to_cloudformation() -> None:
    from moto.core.common_models import CloudFormationModel
    from moto.scheduler.models import scheduler_backends

    if any(m.cloudformation_type() == "AWS::Scheduler::Schedule" for m in CloudFormationModel.__subclasses__()):
        return

    def no_such_attribute() -> Exception:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        return UnformattedGetAttTemplateException()

    class ScheduleGroupResource(CloudFormationModel):
        __module__ = "moto.scheduler.models"  # moto files every model under the service its module names

        def __init__(self, group: Any) -> None:
            self.group = group

        @property
        def physical_resource_id(self) -> str:
            return self.group.name

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Scheduler::ScheduleGroup"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
            props = cloudformation_json.get("Properties", {})
            backend = scheduler_backends[account_id][region_name]
            return cls(backend.create_schedule_group(props.get("Name", resource_name), props.get("Tags", [])))

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
            backend = scheduler_backends[account_id][region_name]
            if resource_name in backend.schedule_groups:
                backend.delete_schedule_group(resource_name)

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr in ("Arn", "State")

        def get_cfn_attribute(self, attribute_name: str) -> str:
            if attribute_name == "Arn":
                return self.group.arn
            if attribute_name == "State":
                return "ACTIVE"
            raise no_such_attribute()

    class ScheduleResource(CloudFormationModel):
        __module__ = "moto.scheduler.models"  # moto files every model under the service its module names

        def __init__(self, schedule: Any) -> None:
            self.schedule = schedule

        @property
        def physical_resource_id(self) -> str:
            return self.schedule.name

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Scheduler::Schedule"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):  # type: ignore[no-untyped-def]
            props = cloudformation_json.get("Properties", {})
            backend = scheduler_backends[account_id][region_name]
            return cls(
                backend.create_schedule(
                    description=props.get("Description"),
                    end_date=props.get("EndDate"),
                    flexible_time_window=props.get("FlexibleTimeWindow", {"Mode": "OFF"}),
                    group_name=props.get("GroupName"),
                    kms_key_arn=props.get("KmsKeyArn"),
                    name=props.get("Name", resource_name),
                    schedule_expression=props["ScheduleExpression"],
                    schedule_expression_timezone=props.get("ScheduleExpressionTimezone"),
                    start_date=props.get("StartDate"),
                    state=props.get("State"),
                    target=dict(props["Target"]),
                    action_after_completion=None,
                )
            )

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):  # type: ignore[no-untyped-def]
            # The group may be a Ref the template resolves; the schedule's name is unique enough to find it by.
            backend = scheduler_backends[account_id][region_name]
            for group in list(backend.schedule_groups.values()):
                if resource_name in group.schedules:
                    group.delete_schedule(resource_name)

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Arn"

        def get_cfn_attribute(self, attribute_name: str) -> str:
            if attribute_name == "Arn":
                return self.schedule.arn
            raise no_such_attribute()


def main() -> None:
    host, port = sys.argv[1], sys.argv[2]
    stand_in_openapi_spec_validator()
    validate_templates_as_aws_does()
    page_list_entities_for_policy()
    page_athena_query_results()
    add_scheduler_to_cloudformation()
    spell_permission_set_arns_as_aws_does()
    keep_key_policies_as_text()
    from moto.server import main as serve

    serve(["-H", host, "-p", port])


if __name__ == "__main__":
    main()
