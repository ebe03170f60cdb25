"""Local stand-in for Lambda's DynamoDB Streams event source: reads DynamoDB Local's stream and
invokes the stream consumer function through the router's Lambda invoke endpoint, batch by
batch, exactly as Lambda would (ReportBatchItemFailures honoured). `make run` and `make test`
start it; projections therefore work on one machine as they do in AWS.

Environment: AWS_ENDPOINT_URL_DYNAMODB, TABLE_NAME, ROUTER_URL, STREAM_FUNCTION, and
STREAM_STATUS: a file it rewrites after every pass over all shards that found nothing new, so
that whoever started it can tell when everything written before has been projected (the run
command's readiness)."""
import json
import os
import sys
import time
import urllib.request

import boto3

ENDPOINT = os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
TABLE = os.environ["TABLE_NAME"]
ROUTER = os.environ["ROUTER_URL"]
FUNCTION = os.environ.get("STREAM_FUNCTION", "sailpoint-projector")
REGION = os.environ.get("AWS_REGION", "us-east-1")
IDLE_SECONDS = 0.2
STATUS = os.environ.get("STREAM_STATUS")

ddb = boto3.client("dynamodb", endpoint_url=ENDPOINT, region_name=REGION)
streams = boto3.client("dynamodbstreams", endpoint_url=ENDPOINT, region_name=REGION)


def log(**fields):
    print(json.dumps(fields), flush=True)


def lambda_record(r, arn):
    d = dict(r["dynamodb"])
    when = d.get("ApproximateCreationDateTime")
    if when is not None and not isinstance(when, (int, float)):
        d["ApproximateCreationDateTime"] = int(when.timestamp())
    return {"eventID": r["eventID"], "eventName": r["eventName"], "eventVersion": r.get("eventVersion", "1.1"),
            "eventSource": "aws:dynamodb", "awsRegion": REGION, "dynamodb": d, "eventSourceARN": arn}


def invoke(batch):
    req = urllib.request.Request(f"{ROUTER}/2015-03-31/functions/{FUNCTION}/invocations",
                                 data=json.dumps({"Records": batch}).encode(), method="POST",
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        body = json.loads(resp.read() or b"{}")
    return [f["itemIdentifier"] for f in (body or {}).get("batchItemFailures", [])]


def report_idle(pass_started):
    """Everything the stream held when this pass started has been projected."""
    if STATUS:
        tmp = STATUS + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"idle_pass_started": pass_started}, f)
        os.replace(tmp, STATUS)


def main():
    arn = ddb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    iterators = {}  # shard id -> iterator; None once a closed shard is drained
    while True:
        pass_started = time.time()
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            sid = shard["ShardId"]
            if sid not in iterators:
                iterators[sid] = streams.get_shard_iterator(
                    StreamArn=arn, ShardId=sid, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        busy = False
        for sid, it in list(iterators.items()):
            if it is None:
                continue
            out = streams.get_records(ShardIterator=it, Limit=100)
            records = out.get("Records", [])
            if records:
                busy = True
                failed = invoke([lambda_record(r, arn) for r in records])
                if failed:
                    # Lambda retries from the first failed record; so do we, after a pause.
                    log(level="WARN", message="projection failed; retrying", sequence=failed[0])
                    iterators[sid] = streams.get_shard_iterator(
                        StreamArn=arn, ShardId=sid, ShardIteratorType="AT_SEQUENCE_NUMBER",
                        SequenceNumber=failed[0])["ShardIterator"]
                    time.sleep(1)
                    continue
            iterators[sid] = out.get("NextShardIterator")
        if not busy:
            report_idle(pass_started)
            time.sleep(IDLE_SECONDS)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
