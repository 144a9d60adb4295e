"""Shared by the SQS client scripts: the boto3 client, SQS's MD5 digests computed here (botocore
does not check them, so the scripts do), and a check that an error is a modeled exception."""
import hashlib
import struct

from common import client

sqs = client("sqs")


def md5_of_body(body):
    return hashlib.md5(body.encode("utf-8")).hexdigest()


def md5_of_attributes(attributes):
    """SQS's digest of message attributes, from its documentation: for each attribute in name
    order, the length-prefixed (4 bytes, big-endian) name and data type, then 1 and the
    length-prefixed UTF-8 string value, or 2 and the length-prefixed binary value."""
    buf = b""

    def field(data):
        return struct.pack(">I", len(data)) + data

    for name in sorted(attributes):
        a = attributes[name]
        buf += field(name.encode("utf-8")) + field(a["DataType"].encode("utf-8"))
        if "StringValue" in a:
            buf += b"\x01" + field(a["StringValue"].encode("utf-8"))
        else:
            buf += b"\x02" + field(bytes(a["BinaryValue"]))
    return hashlib.md5(buf).hexdigest()


def check_digests(message, sent_attributes=None):
    """A received message's MD5OfBody and MD5OfMessageAttributes match its content."""
    assert message["MD5OfBody"] == md5_of_body(message["Body"]), message
    attrs = message.get("MessageAttributes")
    if attrs:
        assert message["MD5OfMessageAttributes"] == md5_of_attributes(attrs), message
    else:
        assert "MD5OfMessageAttributes" not in message, message


def raises(exception, code, call, **kwargs):
    """`call(**kwargs)` raises the modeled `exception` with the legacy error `code`; returns it."""
    try:
        call(**kwargs)
    except exception as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"expected error code {code}, got {got}: {e.response['Error']}"
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response
        return e
    raise AssertionError(f"{call.__name__}({kwargs}) did not raise {exception.__name__}")


def client_error(code, call, **kwargs):
    """`call(**kwargs)` fails with an unmodeled error whose code is `code`."""
    return raises(sqs.exceptions.ClientError, code, call, **kwargs)


def receive_all(url, **kwargs):
    """Receives until a receive comes back empty."""
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, **kwargs).get("Messages", [])
        if not got:
            return out
        out.extend(got)
