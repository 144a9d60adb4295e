"""Tags on state machines and activities: on create, TagResource (adds and replaces),
UntagResource, ListTagsForResource, AWS's errors, and tags forgotten with their resource."""
import json

from common import ROLE, client
from sfn_common import raises

sfn = client("stepfunctions")
X = sfn.exceptions
definition = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
arn = sfn.create_state_machine(
    name="tagged", definition=definition, roleArn=ROLE, tags=[{"key": "team", "value": "orders"}]
)["stateMachineArn"]


def tags(resource):
    return {t["key"]: t["value"] for t in sfn.list_tags_for_resource(resourceArn=resource)["tags"]}


assert tags(arn) == {"team": "orders"}, tags(arn)
sfn.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "billing"}, {"key": "stage", "value": "dev"}])
assert tags(arn) == {"team": "billing", "stage": "dev"}, tags(arn)
sfn.untag_resource(resourceArn=arn, tagKeys=["stage", "absent"])
assert tags(arn) == {"team": "billing"}, tags(arn)

activity = sfn.create_activity(name="tagged-activity", tags=[{"key": "k", "value": "v"}])["activityArn"]
assert tags(activity) == {"k": "v"}, tags(activity)

missing = arn.replace("tagged", "missing")
raises(X.ResourceNotFound, sfn.list_tags_for_resource, resourceArn=missing)
raises(X.ResourceNotFound, sfn.tag_resource, resourceArn=missing, tags=[{"key": "a", "value": "b"}])
raises(X.InvalidArn, sfn.list_tags_for_resource, resourceArn="nope")
many = [{"key": f"k{i}", "value": "v"} for i in range(51)]
raises(X.TooManyTags, sfn.tag_resource, resourceArn=arn, tags=many)

sfn.delete_state_machine(stateMachineArn=arn)
sfn.create_state_machine(name="tagged", definition=definition, roleArn=ROLE)
assert tags(arn) == {}, tags(arn)
print("ok")
