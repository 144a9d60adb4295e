"""Creates what examples/services/orders-chain.asl.json calls, through boto3, at the endpoint
in AWS_ENDPOINT_URL (e.g. a moto_server): the Orders table, the orders topic, the
stepwise-orders bucket and the stepwise/orders-api-key secret."""
import boto3

region = "us-east-1"
boto3.client("dynamodb", region_name=region).create_table(
    TableName="Orders",
    KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    BillingMode="PAY_PER_REQUEST",
)
boto3.client("sns", region_name=region).create_topic(Name="orders")
boto3.client("s3", region_name=region).create_bucket(Bucket="stepwise-orders")
boto3.client("secretsmanager", region_name=region).create_secret(
    Name="stepwise/orders-api-key", SecretString="s3cr3t"
)
print("created Orders, orders, stepwise-orders, stepwise/orders-api-key")
