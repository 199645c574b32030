# The jq peer of `iot-policy-guard evaluate`: attach-policy calls on governed policies, one compact record per line.
# Governed, as a jq user would write it: a seed ARN ($seed, an object keyed by ARN), or any AWS managed policy whose
# name starts with AWSIoT in any letter case, at any path, in any partition. Customer managed policies never match.
.Records[]
| select(.eventSource == "iam.amazonaws.com"
    and (.eventName == "AttachUserPolicy" or .eventName == "AttachRolePolicy" or .eventName == "AttachGroupPolicy"))
| select(.requestParameters.policyArn? | type == "string"
    and ($seed[.] or test("^arn:[^:]+:iam::aws:policy/(?:[^/]*/)*awsiot[^/]*$"; "i")))
