"""State machine versions and aliases through boto3: publishing (by call and by `publish` on
create and update), listing, describing a version, deleting one; aliases created, described,
updated, listed and deleted; executions started through a version and through an alias, what
DescribeExecution says of them and ListExecutions through them; AWS's errors for the usual
mistakes."""
import json

from common import ROLE, client
from sfn_common import is_datetime, message, pass_machine, raises, status_is

sfn = client("stepfunctions")
ex = sfn.exceptions

# Create and publish in one call: version 1 of the first revision.
created = sfn.create_state_machine(name="versioned", definition=pass_machine({"v": 1}), roleArn=ROLE,
                                   publish=True, versionDescription="first")
arn = created["stateMachineArn"]
v1 = created["stateMachineVersionArn"]
assert v1 == arn + ":1", created

# Publishing the same revision again gives the same version.
again = sfn.publish_state_machine_version(stateMachineArn=arn)
assert again["stateMachineVersionArn"] == v1 and is_datetime(again["creationDate"]), again

# A new revision, published with the revision id the caller saw.
updated = sfn.update_state_machine(stateMachineArn=arn, definition=pass_machine({"v": 2}))
e = raises(ex.ConflictException, sfn.publish_state_machine_version, stateMachineArn=arn, revisionId="not-the-current")
assert "revision" in message(e), message(e)
v2 = sfn.publish_state_machine_version(stateMachineArn=arn, revisionId=updated["revisionId"],
                                       description="second")["stateMachineVersionArn"]
assert v2 == arn + ":2", v2

# Update with publish: version 3.
third = sfn.update_state_machine(stateMachineArn=arn, definition=pass_machine({"v": 3}), publish=True,
                                 versionDescription="third")
v3 = third["stateMachineVersionArn"]
assert v3 == arn + ":3", third

# Listed newest first, in pages (botocore has no paginator for it).
first = sfn.list_state_machine_versions(stateMachineArn=arn, maxResults=2)
rest = sfn.list_state_machine_versions(stateMachineArn=arn, maxResults=2, nextToken=first["nextToken"])
assert "nextToken" not in rest, rest
listed = [v["stateMachineVersionArn"] for p in (first, rest) for v in p["stateMachineVersions"]]
assert listed == [v3, v2, v1], listed
raises(ex.InvalidToken, sfn.list_state_machine_versions, stateMachineArn=arn, nextToken="bad!")

# A version describes its own definition, revision and description.
d2 = sfn.describe_state_machine(stateMachineArn=v2)
assert d2["stateMachineArn"] == v2 and d2["name"] == "versioned", d2
assert json.loads(d2["definition"])["States"]["P"]["Result"] == {"v": 2}, d2
assert d2["revisionId"] == updated["revisionId"] and d2["description"] == "second", d2
assert sfn.describe_state_machine(stateMachineArn=v1)["description"] == "first"
raises(ex.StateMachineDoesNotExist, sfn.describe_state_machine, stateMachineArn=arn + ":99")

# An execution through a version runs that version, and says so.
run = sfn.start_execution(stateMachineArn=v1, name="through-v1")["executionArn"]
done = status_is(sfn, run, "SUCCEEDED")
assert json.loads(done["output"]) == {"v": 1}, done
assert done["stateMachineArn"] == arn and done["stateMachineVersionArn"] == v1, done
assert "stateMachineAliasArn" not in done, done
plain = sfn.start_execution(stateMachineArn=arn)["executionArn"]
done = status_is(sfn, plain, "SUCCEEDED")
assert json.loads(done["output"]) == {"v": 3}, done
assert "stateMachineVersionArn" not in done, done
raises(ex.StateMachineDoesNotExist, sfn.start_execution, stateMachineArn=arn + ":99")

# An alias routing everything to version 2.
alias = sfn.create_state_machine_alias(name="PROD", description="production",
                                       routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 100}])
prod = alias["stateMachineAliasArn"]
assert prod == arn + ":PROD" and is_datetime(alias["creationDate"]), alias
# The same alias again is the one there; a different routing under the name is a conflict.
same = sfn.create_state_machine_alias(name="PROD", description="production",
                                      routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 100}])
assert same["stateMachineAliasArn"] == prod, same
raises(ex.ConflictException, sfn.create_state_machine_alias, name="PROD",
       routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}])

described = sfn.describe_state_machine_alias(stateMachineAliasArn=prod)
assert described["name"] == "PROD" and described["description"] == "production", described
assert described["routingConfiguration"] == [{"stateMachineVersionArn": v2, "weight": 100}], described
assert is_datetime(described["creationDate"]) and is_datetime(described["updateDate"]), described

run = sfn.start_execution(stateMachineArn=prod, name="through-prod")["executionArn"]
done = status_is(sfn, run, "SUCCEEDED")
assert json.loads(done["output"]) == {"v": 2}, done
assert done["stateMachineAliasArn"] == prod and done["stateMachineVersionArn"] == v2, done

# Routed by weight: all of it to version 3 now, then a split between 1 and 3.
sfn.update_state_machine_alias(stateMachineAliasArn=prod,
                               routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 0},
                                                     {"stateMachineVersionArn": v3, "weight": 100}])
run = sfn.start_execution(stateMachineArn=prod)["executionArn"]
done = status_is(sfn, run, "SUCCEEDED")
assert json.loads(done["output"]) == {"v": 3} and done["stateMachineVersionArn"] == v3, done
sfn.update_state_machine_alias(stateMachineAliasArn=prod, description="canary",
                               routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 50},
                                                     {"stateMachineVersionArn": v3, "weight": 50}])
seen = set()
for _ in range(40):
    run = sfn.start_execution(stateMachineArn=prod)["executionArn"]
    done = status_is(sfn, run, "SUCCEEDED")
    assert done["stateMachineVersionArn"] in (v1, v3), done
    assert json.loads(done["output"]) == {"v": int(done["stateMachineVersionArn"].rsplit(":", 1)[1])}, done
    seen.add(done["stateMachineVersionArn"])
assert seen == {v1, v3}, seen  # 40 starts at 50/50 miss one version with odds 2^-39
assert sfn.describe_state_machine_alias(stateMachineAliasArn=prod)["description"] == "canary"

# ListExecutions through a version lists what started through it; through an alias, what the
# alias started.
def listed_executions(machine):
    return [x["executionArn"] for x in sfn.list_executions(stateMachineArn=machine, maxResults=1000)["executions"]]


through_v1 = listed_executions(v1)
assert through_v1 == [arn.replace(":stateMachine:", ":execution:") + ":through-v1"], through_v1
through_prod = listed_executions(prod)
assert len(through_prod) == 42 and arn.replace(":stateMachine:", ":execution:") + ":through-prod" in through_prod, through_prod
assert len(listed_executions(arn)) == 44
page = sfn.list_executions(stateMachineArn=prod, maxResults=5)
assert len(page["executions"]) == 5 and "nextToken" in page, page
raises(ex.StateMachineDoesNotExist, sfn.list_executions, stateMachineArn=arn + ":99")

# Routing mistakes.
raises(ex.ValidationException, sfn.create_state_machine_alias, name="BAD",
       routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 60}, {"stateMachineVersionArn": v2, "weight": 30}])
raises(ex.ValidationException, sfn.create_state_machine_alias, name="BAD",
       routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 50}, {"stateMachineVersionArn": v1, "weight": 50}])
raises(ex.ResourceNotFound, sfn.create_state_machine_alias, name="BAD",
       routingConfiguration=[{"stateMachineVersionArn": arn + ":99", "weight": 100}])
raises(ex.InvalidName, sfn.create_state_machine_alias, name="123",
       routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}])
raises(ex.ResourceNotFound, sfn.describe_state_machine_alias, stateMachineAliasArn=arn + ":NOPE")
raises(ex.StateMachineDoesNotExist, sfn.start_execution, stateMachineArn=arn + ":NOPE")

# Listing aliases, by name.
sfn.create_state_machine_alias(name="BETA", routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 100}])
aliases = [a["stateMachineAliasArn"] for a in sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"]]
assert aliases == [arn + ":BETA", prod], aliases

# A version an alias routes to may not be deleted; one no alias routes to may.
e = raises(ex.ConflictException, sfn.delete_state_machine_version, stateMachineVersionArn=v1)
assert prod in message(e), message(e)
sfn.delete_state_machine_alias(stateMachineAliasArn=arn + ":BETA")
sfn.delete_state_machine_version(stateMachineVersionArn=v2)
listed = [v["stateMachineVersionArn"] for v in sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]]
assert listed == [v3, v1], listed
raises(ex.StateMachineDoesNotExist, sfn.describe_state_machine, stateMachineArn=v2)
# Numbers are not used again: the next version is 4.
sfn.update_state_machine(stateMachineArn=arn, definition=pass_machine({"v": 4}))
assert sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"] == arn + ":4"

sfn.delete_state_machine_alias(stateMachineAliasArn=prod)
aliases = sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"]
assert aliases == [], aliases
raises(ex.ResourceNotFound, sfn.describe_state_machine_alias, stateMachineAliasArn=prod)

# Deleting the machine deletes its versions.
sfn.delete_state_machine(stateMachineArn=arn)
raises(ex.StateMachineDoesNotExist, sfn.describe_state_machine, stateMachineArn=v1)
raises(ex.StateMachineDoesNotExist, sfn.publish_state_machine_version, stateMachineArn=arn)
print("ok")
