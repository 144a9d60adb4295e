#!/usr/bin/env python3
"""Writes src/integrations/aws/catalog/data.rs: the small table of AWS services that
`arn:aws:states:::aws-sdk:SERVICE:ACTION` tasks can call, taken from botocore's service models.

Usage: scripts/aws-catalog.py [BOTOCORE_DATA_DIR] > src/integrations/aws/catalog/data.rs
(default: the `botocore/data` of the Python running it, e.g. the moto venv's:
 $HOME/.cache/stepwise/venv/bin/python scripts/aws-catalog.py > src/integrations/aws/catalog/data.rs)

For each service it keeps what a call needs and nothing else: the name in the ARN, the serviceId
(for AWS_ENDPOINT_URL_<SERVICE>), endpoint prefix and signing name, protocol, JSON target prefix,
the AWS Java SDK v2 client prefix Step Functions names errors with (`DynamoDb`, `Sfn`), and the
modeled error shapes (a code that is not one of them is "unmodeled": `<Prefix>.<Prefix>Exception`),
and the names of timestamp members (JSON protocols send them as epoch seconds; Step Functions
gives them as ISO-8601 text).
For S3 (REST-XML) it adds the HTTP binding of a chosen set of operations, and for S3 and SNS the
kinds of the XML answer's members, so that an XML answer turns into the SDK's JSON shape.
"""
import glob
import gzip
import json
import os
import re
import sys

# botocore directory name for each service stepwise calls (the ARN's name is derived).
SERVICES = [
    "dynamodb", "events", "secretsmanager", "ssm", "kms", "kinesis", "logs", "ecs", "glue",
    "athena", "textract", "sqs", "sns", "s3", "stepfunctions", "firehose", "ecr", "codebuild",
    "emr", "sagemaker", "rekognition", "comprehend", "translate", "acm", "cognito-idp",
    "cloudwatch", "application-autoscaling", "cloudtrail", "config", "datasync",
    "ecr-public", "kinesisanalyticsv2", "redshift-data", "route53domains",
    "servicecatalog", "shield", "transcribe", "workspaces", "codepipeline", "codecommit",
    "dms", "ds", "organizations", "swf", "cloudhsmv2", "support", "health", "timestream-query",
]

S3_OPERATIONS = [
    "GetObject", "PutObject", "HeadObject", "DeleteObject", "CopyObject", "ListObjectsV2",
    "ListObjects", "ListBuckets", "CreateBucket", "DeleteBucket", "HeadBucket", "GetObjectTagging",
    "ListObjectVersions",
]

# Services whose current model moved off AWS JSON while AWS keeps serving the JSON protocol older
# SDKs speak: (target prefix, JSON version) from the last model that described it (botocore
# 1.43.11 for Athena, which botocore 1.44 describes in REST-JSON).
MOVED_FROM_JSON = {"athena": ("AmazonAthena", "1.1")}

# The Java SDK v2 client names that its naming rule does not give (none known so far).
JAVA_PREFIX_OVERRIDES = {}


def load(data, name):
    files = sorted(glob.glob(os.path.join(data, name, "*", "service-2.json*")))
    if not files:
        sys.exit(f"no service-2.json for {name} under {data}")
    f = files[-1]
    opener = gzip.open if f.endswith(".gz") else open
    with opener(f, "rt") as fh:
        return json.load(fh)


def java_prefix(service_id):
    """The AWS Java SDK v2 client prefix: words split at spaces and case changes, each
    capitalized: `DynamoDB` -> `DynamoDb`, `Secrets Manager` -> `SecretsManager`, `SFN` -> `Sfn`."""
    if service_id in JAVA_PREFIX_OVERRIDES:
        return JAVA_PREFIX_OVERRIDES[service_id]
    words = []
    # The SDK leaves a trailing "Service" out: `Config Service` -> `Config`.
    service_id = re.sub(r" Service$", "", service_id)
    for part in re.split(r"[^A-Za-z0-9]+", service_id):
        # ABCDef -> ABC, Def; abcDef -> abc, Def; digits stay with what precedes them.
        words += re.findall(r"[A-Z]+[0-9]*(?=[A-Z][a-z]|$|[^A-Za-z0-9])|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+", part)
    return "".join(w[:1].upper() + w[1:].lower() for w in words)


def rust_str(s):
    return json.dumps(s)


KINDS = {
    "boolean": "Bool", "integer": "Int", "long": "Int", "float": "Float", "double": "Float",
    "timestamp": "Time", "blob": "Blob", "list": "List", "map": "Map", "structure": "Struct",
}


def kind(model, shape_name):
    shape = model["shapes"][shape_name]
    k = KINDS.get(shape["type"], "Str")
    if k == "List" and shape.get("flattened"):
        k = "FlatList"
    return k


def xml_hints(model, roots):
    """wire name -> (member name, kind) over every structure reachable from `roots`: how to read
    an element of the XML answer. Conflicting kinds for one wire name are reported."""
    hints, seen, todo = {}, set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = model["shapes"][name]
        if shape["type"] == "structure":
            for member, ref in shape.get("members", {}).items():
                if ref.get("location"):
                    continue  # headers and status: read from the HTTP head
                wire = ref.get("locationName", member)
                k = kind(model, ref["shape"])
                if k in ("List", "FlatList"):
                    member_ref = model["shapes"][ref["shape"]]["member"]
                    if k == "FlatList":
                        wire = member_ref.get("locationName", wire)
                if k != "Str" and k != "Struct":
                    old = hints.get(wire)
                    if old and old != (member, k):
                        print(f"warning: {wire} is {old} and {(member, k)}", file=sys.stderr)
                    hints[wire] = (member, k)
                elif wire != member:
                    hints.setdefault(wire, (member, k))
                todo.append(ref["shape"])
        elif shape["type"] == "list":
            todo.append(shape["member"]["shape"])
        elif shape["type"] == "map":
            todo.append(shape["value"]["shape"])
    return hints


def main():
    if len(sys.argv) > 1:
        data = sys.argv[1]
    else:
        import botocore
        data = os.path.join(os.path.dirname(botocore.__file__), "data")
    import botocore
    out = []
    w = out.append
    w("//! The AWS services `arn:aws:states:::aws-sdk:SERVICE:ACTION` tasks can call, from botocore's")
    w("//! service models: GENERATED by `scripts/aws-catalog.py` (botocore " + botocore.__version__ + "); do not edit.")
    w("")
    w("use super::{At, Binding, Kind, Protocol, RestOp, ServiceInfo};")
    w("")
    w("pub static SERVICES: &[ServiceInfo] = &[")
    models = {}
    for name in SERVICES:
        model = load(data, name)
        models[name] = model
        m = model["metadata"]
        protocols = m.get("protocols", [m["protocol"]])
        if name in MOVED_FROM_JSON and "json" not in protocols:
            m["targetPrefix"], m["jsonVersion"] = MOVED_FROM_JSON[name]
            protocols = ["json"]
        if "json" in protocols:
            protocol = "Json10" if m.get("jsonVersion") == "1.0" else "Json11"
        elif m["protocol"] == "rest-xml":
            protocol = "RestXml"
        elif m["protocol"] == "query":
            protocol = "Query"
        else:
            sys.exit(f"{name}: protocol {protocols} is not one stepwise speaks")
        prefix = java_prefix(m["serviceId"])
        errors, aliases = [], []
        for shape_name, shape in sorted(model["shapes"].items()):
            if shape.get("exception"):
                errors.append(shape_name)
                code = shape.get("error", {}).get("code")
                if code and code != shape_name:
                    aliases.append((code, shape_name))
        stamps = sorted({member for shape in model["shapes"].values() if shape["type"] == "structure"
                         for member, ref in shape.get("members", {}).items()
                         if model["shapes"][ref["shape"]]["type"] == "timestamp"})
        if protocol not in ("Json10", "Json11"):
            stamps = []
        w("    ServiceInfo {")
        w(f"        arn: {rust_str(prefix.lower())},")
        w(f"        id: {rust_str(m['serviceId'])},")
        w(f"        endpoint_prefix: {rust_str(m['endpointPrefix'])},")
        w(f"        signing_name: {rust_str(m.get('signingName', m['endpointPrefix']))},")
        w(f"        protocol: Protocol::{protocol},")
        w(f"        target_prefix: {rust_str(m.get('targetPrefix', ''))},")
        w(f"        api_version: {rust_str(m.get('apiVersion', ''))},")
        w(f"        java: {rust_str(prefix)},")
        w("        errors: &[" + ", ".join(rust_str(e) for e in errors) + "],")
        w("        error_codes: &[" + ", ".join(f"({rust_str(c)}, {rust_str(s)})" for c, s in aliases) + "],")
        w("        timestamps: &[" + ", ".join(rust_str(t) for t in stamps) + "],")
        w("    },")
    w("];")
    w("")

    s3 = models["s3"]
    w("/// The S3 operations stepwise calls, with their HTTP binding.")
    w("pub static S3_OPERATIONS: &[RestOp] = &[")
    roots = []
    for op_name in S3_OPERATIONS:
        op = s3["operations"][op_name]
        inp = s3["shapes"][op["input"]["shape"]] if "input" in op else {"members": {}}
        outp = s3["shapes"][op["output"]["shape"]] if "output" in op else {"members": {}}
        if "output" in op:
            roots.append(op["output"]["shape"])

        def members(shape, want_body):
            rows = []
            for member, ref in shape.get("members", {}).items():
                loc = ref.get("location")
                payload = shape.get("payload") == member
                if loc is None and not payload:
                    continue
                where = {"uri": "Uri", "querystring": "Query", "header": "Header",
                         "headers": "HeaderPrefix", "statusCode": "Status"}.get(loc, "Payload")
                wire = ref.get("locationName", member)
                rows.append(f"Binding {{ member: {rust_str(member)}, at: At::{where}, wire: {rust_str(wire)}, kind: Kind::{kind(s3, ref['shape'])} }}")
            return rows

        w("    RestOp {")
        w(f"        name: {rust_str(op_name)},")
        w(f"        method: {rust_str(op['http']['method'])},")
        w(f"        uri: {rust_str(op['http']['requestUri'])},")
        w("        input: &[" + ", ".join(members(inp, True)) + "],")
        w("        output: &[" + ", ".join(members(outp, False)) + "],")
        w(f"        errors: &[" + ", ".join(rust_str(e["shape"]) for e in op.get("errors", [])) + "],")
        w("    },")
    w("];")
    w("")

    def hints_table(name, model, roots):
        w(f"/// How to read the elements of {name}'s XML answers: wire name, member name, kind.")
        w(f"pub static {name.upper()}_XML: &[(&str, &str, Kind)] = &[")
        for wire, (member, k) in sorted(xml_hints(model, roots).items()):
            w(f"    ({rust_str(wire)}, {rust_str(member)}, Kind::{k}),")
        w("];")
        w("")

    hints_table("s3", s3, roots)
    sns = models["sns"]
    sns_roots = [op["output"]["shape"] for op in sns["operations"].values() if "output" in op]
    hints_table("sns", sns, sns_roots)

    # SNS input maps: member name -> (key name, value name) in the Query form.
    maps = {}
    for shape in sns["shapes"].values():
        if shape["type"] != "structure":
            continue
        for member, ref in shape.get("members", {}).items():
            target = sns["shapes"][ref["shape"]]
            if target["type"] == "map":
                maps[member] = (target["key"].get("locationName", "key"),
                                target["value"].get("locationName", "value"))
    w("/// SNS request members that are maps: member, key name, value name (`M.entry.N.key`).")
    w("pub static SNS_QUERY_MAPS: &[(&str, &str, &str)] = &[")
    for member, (k, v) in sorted(maps.items()):
        w(f"    ({rust_str(member)}, {rust_str(k)}, {rust_str(v)}),")
    w("];")
    print("\n".join(out))


if __name__ == "__main__":
    main()
