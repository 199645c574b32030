/**
 * The catalog of AWS managed policies that belong to AWS IoT services: what `aws-iot` scope governs by name and path,
 * and the ten `seed` policies of the AWS IoT developer guide ("AWS managed policies for AWS IoT").
 *
 * Compiled on 2026-11-26 from:
 * - moto 5.2.4's copy of AWS's managed-policy list (`moto/iam/aws_managed_policies.py`, imported from AWS with
 *   `make aws_managed_policies`; newest entry 2026-09-30): every name and path below that is not marked deprecated is
 *   taken from it verbatim;
 * - the AWS Managed Policy Reference (docs.aws.amazon.com/aws-managed-policy/latest/reference/) and the AWS IoT
 *   developer guide ("AWS managed policies for AWS IoT"), which confirm the seed paths (four under service-role/);
 * - iann0036/iam-dataset `aws/managed_policies.json` (2023 snapshot) for the five policies AWS no longer lists
 *   (IoT 1-Click, IoT RoboRunner), which are kept, marked deprecated, because principals may still hold them.
 *
 * Membership: a policy is here when the service it serves is an AWS IoT service (its actions or its service-linked
 * role are iot*, greengrass, freertos). Policies that merely mention IoT are left out: AWSAuditManager* (no IoT at
 * all), AWSIQ* (AWS IQ), AWSPanoramaGreengrassGroupRolePolicy (Panorama), AmazonSageMakerEdgeDeviceFleetPolicy,
 * AWSDeepLens*, and cross-service policies such as ReadOnlyAccess, SecurityAudit and AWSConfigServiceRolePolicy.
 * AWSQuickSightIoTAnalyticsAccess is in: its only grants are reads of AWS IoT Analytics data.
 * AWS IoT Device Advisor has no AWS managed policy.
 *
 * Risk: names with ReadOnly are read-only, names with FullAccess are full, the rest are write unless every action
 * they grant is a read (AWSIoTDeviceDefenderAudit, GreengrassOTAUpdateArtifactAccess, AWSQuickSightIoTAnalyticsAccess).
 * Summaries of the seed ten follow the developer guide's table; the others are written from each policy's document.
 *
 * Sorted by family, then name (code-point order). Regenerate rather than hand-edit when moto's list moves.
 */

export type Risk = 'read-only' | 'write' | 'full';

export interface CatalogPolicy {
  /** Exact, case-sensitive policy name, e.g. 'AWSIoTLogging'. */
  readonly name: string;
  /** IAM path exactly as AWS has it: '/', '/service-role/' or '/aws-service-role/'. */
  readonly path: string;
  /** One line: what the policy grants. */
  readonly summary: string;
  /** read-only; write (can change things); full (all actions of the service). */
  readonly risk: Risk;
  /** The AWS IoT service the policy belongs to, e.g. 'AWS IoT Core', 'AWS IoT Greengrass'. */
  readonly family: string;
  /** True for exactly the ten policies of the AWS IoT developer guide's IAM managed policies table. */
  readonly seed: boolean;
  /** AWS no longer lists the policy (absent from moto's 2026 list); principals may still hold it. */
  readonly deprecated?: boolean;
}

/** The day the catalog was compiled from moto 5.2.4's AWS managed-policy list and the AWS Managed Policy Reference. */
export const CATALOG_COMPILED = '2026-11-26';

export const CATALOG: readonly CatalogPolicy[] = [
  // AWS IoT 1-Click
  {
    name: 'AWSIoT1ClickFullAccess',
    path: '/',
    summary: 'Full access to AWS IoT 1-Click (iot1click:*); the service was discontinued on 2024-12-16.',
    risk: 'full',
    family: 'AWS IoT 1-Click',
    seed: false,
    deprecated: true,
  },
  {
    name: 'AWSIoT1ClickReadOnlyAccess',
    path: '/',
    summary:
      'Read-only access to AWS IoT 1-Click (Describe*, Get*, List*); the service was discontinued on 2024-12-16.',
    risk: 'read-only',
    family: 'AWS IoT 1-Click',
    seed: false,
    deprecated: true,
  },
  // AWS IoT Analytics
  {
    name: 'AWSIoTAnalyticsFullAccess',
    path: '/',
    summary: 'Full access to AWS IoT Analytics (iotanalytics:*); the service reached end of support on 2025-12-15.',
    risk: 'full',
    family: 'AWS IoT Analytics',
    seed: false,
  },
  {
    name: 'AWSIoTAnalyticsReadOnlyAccess',
    path: '/',
    summary: 'Read-only access to AWS IoT Analytics (Describe*, List*, Get*, SampleChannelData).',
    risk: 'read-only',
    family: 'AWS IoT Analytics',
    seed: false,
  },
  {
    name: 'AWSQuickSightIoTAnalyticsAccess',
    path: '/',
    summary:
      'Lets Amazon QuickSight list, describe and read AWS IoT Analytics datasets (a QuickSight ' +
      'integration policy for IoT Analytics data).',
    risk: 'read-only',
    family: 'AWS IoT Analytics',
    seed: false,
  },
  // AWS IoT Core
  {
    name: 'AWSIoTConfigAccess',
    path: '/',
    summary: 'Access to all AWS IoT configuration operations; can affect data processing and storage.',
    risk: 'write',
    family: 'AWS IoT Core',
    seed: true,
  },
  {
    name: 'AWSIoTConfigReadOnlyAccess',
    path: '/',
    summary: 'Read-only access to AWS IoT configuration operations.',
    risk: 'read-only',
    family: 'AWS IoT Core',
    seed: true,
  },
  {
    name: 'AWSIoTDataAccess',
    path: '/',
    summary:
      'Full access to AWS IoT data operations: connect, publish, subscribe and receive over MQTT or HTTP, ' +
      'and device shadows.',
    risk: 'write',
    family: 'AWS IoT Core',
    seed: true,
  },
  {
    name: 'AWSIoTFullAccess',
    path: '/',
    summary: 'Full access to all AWS IoT configuration and messaging operations (iot:*, iotjobsdata:*).',
    risk: 'full',
    family: 'AWS IoT Core',
    seed: true,
  },
  {
    name: 'AWSIoTLogging',
    path: '/service-role/',
    summary: 'Creates CloudWatch Logs groups and streams logs to them; attached to the AWS IoT logging role.',
    risk: 'write',
    family: 'AWS IoT Core',
    seed: true,
  },
  {
    name: 'AWSIoTOTAUpdate',
    path: '/service-role/',
    summary: 'Creates AWS IoT jobs and AWS IoT code signing jobs, and describes AWS code signer jobs.',
    risk: 'write',
    family: 'AWS IoT Core',
    seed: true,
  },
  {
    name: 'AWSIoTRuleActions',
    path: '/service-role/',
    summary: 'Access to all AWS services supported in AWS IoT rule actions.',
    risk: 'write',
    family: 'AWS IoT Core',
    seed: true,
  },
  {
    name: 'AWSIoTThingsRegistration',
    path: '/service-role/',
    summary: 'Registers things in bulk with StartThingRegistrationTask; can affect data processing and storage.',
    risk: 'write',
    family: 'AWS IoT Core',
    seed: true,
  },
  // AWS IoT Device Defender
  {
    name: 'AWSIoTDeviceDefenderAddThingsToThingGroupMitigationAction',
    path: '/service-role/',
    summary:
      'Device Defender mitigation action: adds things to a thing group (iot:AddThingToThingGroup, ' +
      'iot:ListPrincipalThings).',
    risk: 'write',
    family: 'AWS IoT Device Defender',
    seed: false,
  },
  {
    name: 'AWSIoTDeviceDefenderAudit',
    path: '/service-role/',
    summary:
      'Read access to the AWS IoT and IAM configuration that Device Defender audits (certificates, ' +
      'policies, role aliases, logging options).',
    risk: 'read-only',
    family: 'AWS IoT Device Defender',
    seed: false,
  },
  {
    name: 'AWSIoTDeviceDefenderEnableIoTLoggingMitigationAction',
    path: '/service-role/',
    summary:
      'Device Defender mitigation action: turns on AWS IoT logging (iot:SetV2LoggingOptions) and passes a ' +
      'role to AWS IoT.',
    risk: 'write',
    family: 'AWS IoT Device Defender',
    seed: false,
  },
  {
    name: 'AWSIoTDeviceDefenderPublishFindingsToSNSMitigationAction',
    path: '/service-role/',
    summary: 'Device Defender mitigation action: publishes audit findings to any SNS topic (sns:Publish).',
    risk: 'write',
    family: 'AWS IoT Device Defender',
    seed: false,
  },
  {
    name: 'AWSIoTDeviceDefenderReplaceDefaultPolicyMitigationAction',
    path: '/service-role/',
    summary:
      'Device Defender mitigation action: replaces the default AWS IoT policy version (iot:CreatePolicyVersion).',
    risk: 'write',
    family: 'AWS IoT Device Defender',
    seed: false,
  },
  {
    name: 'AWSIoTDeviceDefenderUpdateCACertMitigationAction',
    path: '/service-role/',
    summary:
      'Device Defender mitigation action: updates a CA certificate (iot:UpdateCACertificate), e.g. to deactivate it.',
    risk: 'write',
    family: 'AWS IoT Device Defender',
    seed: false,
  },
  {
    name: 'AWSIoTDeviceDefenderUpdateDeviceCertMitigationAction',
    path: '/service-role/',
    summary:
      'Device Defender mitigation action: updates a device certificate (iot:UpdateCertificate), e.g. to deactivate it.',
    risk: 'write',
    family: 'AWS IoT Device Defender',
    seed: false,
  },
  // AWS IoT Device Tester
  {
    name: 'AWSIoTDeviceTesterForFreeRTOSFullAccess',
    path: '/',
    summary:
      'What AWS IoT Device Tester needs to qualify FreeRTOS devices: things, certificates, policies, OTA ' +
      'updates, signing jobs, S3 buckets, EC2 test instances.',
    risk: 'full',
    family: 'AWS IoT Device Tester',
    seed: false,
  },
  {
    name: 'AWSIoTDeviceTesterForGreengrassFullAccess',
    path: '/',
    summary:
      'What AWS IoT Device Tester needs to qualify Greengrass devices: greengrass:*, things, ' +
      'certificates, policies, jobs, Lambda functions, S3 buckets.',
    risk: 'full',
    family: 'AWS IoT Device Tester',
    seed: false,
  },
  // AWS IoT Events
  {
    name: 'AWSIoTEventsFullAccess',
    path: '/',
    summary: 'Full access to AWS IoT Events (iotevents:*).',
    risk: 'full',
    family: 'AWS IoT Events',
    seed: true,
  },
  {
    name: 'AWSIoTEventsReadOnlyAccess',
    path: '/',
    summary: 'Read-only access to AWS IoT Events.',
    risk: 'read-only',
    family: 'AWS IoT Events',
    seed: true,
  },
  // AWS IoT Fleet Hub
  {
    name: 'AWSIoTFleetHubFederationAccess',
    path: '/service-role/',
    summary:
      'Federated access for Fleet Hub applications: fleet indexing and metrics, jobs, CloudWatch alarms ' +
      'and SNS topics; Fleet Hub was discontinued on 2025-10-18.',
    risk: 'write',
    family: 'AWS IoT Fleet Hub',
    seed: false,
  },
  // AWS IoT FleetWise
  {
    name: 'AWSIoTFleetwiseServiceRolePolicy',
    path: '/aws-service-role/',
    summary:
      'Service-linked role policy of AWS IoT FleetWise: publishes CloudWatch metrics in the ' +
      'AWS/IoTFleetWise namespace.',
    risk: 'write',
    family: 'AWS IoT FleetWise',
    seed: false,
  },
  // AWS IoT Greengrass
  {
    name: 'AWSGreengrassFullAccess',
    path: '/',
    summary: 'Full access to AWS IoT Greengrass (greengrass:*).',
    risk: 'full',
    family: 'AWS IoT Greengrass',
    seed: false,
  },
  {
    name: 'AWSGreengrassReadOnlyAccess',
    path: '/',
    summary: 'Read-only access to AWS IoT Greengrass (List*, Get*).',
    risk: 'read-only',
    family: 'AWS IoT Greengrass',
    seed: false,
  },
  {
    name: 'AWSGreengrassResourceAccessRolePolicy',
    path: '/service-role/',
    summary:
      'Greengrass service role: greengrass:*, shadows of Greengrass things, and reads of the Lambda ' +
      'functions, S3 objects, SageMaker jobs and secrets it deploys.',
    risk: 'write',
    family: 'AWS IoT Greengrass',
    seed: false,
  },
  {
    name: 'GreengrassOTAUpdateArtifactAccess',
    path: '/service-role/',
    summary:
      'Lets AWS IoT read Greengrass over-the-air update artifacts (s3:GetObject on *-greengrass-updates buckets).',
    risk: 'read-only',
    family: 'AWS IoT Greengrass',
    seed: false,
  },
  // AWS IoT Managed Integrations
  {
    name: 'AWSIoTManagedIntegrationsFullAccess',
    path: '/',
    summary:
      'Full access to AWS IoT Device Management managed integrations (iotmanagedintegrations:*) and its ' +
      'service-linked role.',
    risk: 'full',
    family: 'AWS IoT Managed Integrations',
    seed: false,
  },
  {
    name: 'AWSIoTManagedIntegrationsRolePolicy',
    path: '/aws-service-role/',
    summary: 'Service-linked role policy of managed integrations: writes CloudWatch Logs and metrics for the service.',
    risk: 'write',
    family: 'AWS IoT Managed Integrations',
    seed: false,
  },
  // AWS IoT RoboRunner
  {
    name: 'AWSIotRoboRunnerFullAccess',
    path: '/',
    summary: 'Full access to AWS IoT RoboRunner (iotroborunner:*) and its service-linked role; AWS no longer lists it.',
    risk: 'full',
    family: 'AWS IoT RoboRunner',
    seed: false,
    deprecated: true,
  },
  {
    name: 'AWSIotRoboRunnerReadOnly',
    path: '/',
    summary:
      'Read-only access to AWS IoT RoboRunner sites, workers, worker fleets and destinations; AWS no longer lists it.',
    risk: 'read-only',
    family: 'AWS IoT RoboRunner',
    seed: false,
    deprecated: true,
  },
  {
    name: 'AWSIotRoboRunnerServiceRolePolicy',
    path: '/aws-service-role/',
    summary: 'Service-linked role policy of AWS IoT RoboRunner; AWS no longer lists it.',
    risk: 'write',
    family: 'AWS IoT RoboRunner',
    seed: false,
    deprecated: true,
  },
  // AWS IoT SiteWise
  {
    name: 'AWSIoTSiteWiseConsoleFullAccess',
    path: '/',
    summary:
      'Full access to AWS IoT SiteWise through the console (iotsitewise:*), plus the IoT Analytics, ' +
      'Greengrass and Secrets Manager calls the console makes.',
    risk: 'full',
    family: 'AWS IoT SiteWise',
    seed: false,
  },
  {
    name: 'AWSIoTSiteWiseFullAccess',
    path: '/',
    summary: 'Full access to AWS IoT SiteWise (iotsitewise:*).',
    risk: 'full',
    family: 'AWS IoT SiteWise',
    seed: false,
  },
  {
    name: 'AWSIoTSiteWiseMonitorPortalAccess',
    path: '/service-role/',
    summary:
      'Service role for SiteWise Monitor portals: manages projects, dashboards and access policies, and ' +
      'reads assets and their values.',
    risk: 'write',
    family: 'AWS IoT SiteWise',
    seed: false,
  },
  {
    name: 'AWSIoTSiteWiseMonitorServiceRolePolicy',
    path: '/aws-service-role/',
    summary:
      'Service-linked role policy of SiteWise Monitor: manages projects, dashboards and access policies, ' +
      'and reads assets.',
    risk: 'write',
    family: 'AWS IoT SiteWise',
    seed: false,
  },
  {
    name: 'AWSIoTSiteWiseReadOnlyAccess',
    path: '/',
    summary: 'Read-only access to AWS IoT SiteWise (Describe*, List*, Get*, BatchGet*).',
    risk: 'read-only',
    family: 'AWS IoT SiteWise',
    seed: false,
  },
  {
    name: 'AWSServiceRoleForIoTSiteWise',
    path: '/aws-service-role/',
    summary:
      'Service-linked role policy of AWS IoT SiteWise: reads Greengrass groups, writes its CloudWatch ' +
      'Logs, reads TwinMaker workspaces.',
    risk: 'write',
    family: 'AWS IoT SiteWise',
    seed: false,
  },
  // AWS IoT TwinMaker
  {
    name: 'AWSIoTTwinMakerServiceRolePolicy',
    path: '/aws-service-role/',
    summary:
      'Service-linked role policy of AWS IoT TwinMaker: reads SiteWise assets and models and manages the ' +
      'TwinMaker entities synced from them.',
    risk: 'write',
    family: 'AWS IoT TwinMaker',
    seed: false,
  },
  // AWS IoT Wireless
  {
    name: 'AWSIoTWirelessDataAccess',
    path: '/',
    summary: 'Sends data to wireless devices (iotwireless:SendDataToWirelessDevice).',
    risk: 'write',
    family: 'AWS IoT Wireless',
    seed: false,
  },
  {
    name: 'AWSIoTWirelessFullAccess',
    path: '/',
    summary: 'Full access to AWS IoT Core for LoRaWAN and Sidewalk (iotwireless:*).',
    risk: 'full',
    family: 'AWS IoT Wireless',
    seed: false,
  },
  {
    name: 'AWSIoTWirelessFullPublishAccess',
    path: '/',
    summary: 'Lets AWS IoT Wireless publish to any AWS IoT topic (iot:Publish, iot:DescribeEndpoint).',
    risk: 'write',
    family: 'AWS IoT Wireless',
    seed: false,
  },
  {
    name: 'AWSIoTWirelessGatewayCertManager',
    path: '/',
    summary: 'Creates and reads AWS IoT certificates for LoRaWAN gateways (iot:CreateKeysAndCertificate).',
    risk: 'write',
    family: 'AWS IoT Wireless',
    seed: false,
  },
  {
    name: 'AWSIoTWirelessLogging',
    path: '/',
    summary: 'Writes AWS IoT Wireless logs to CloudWatch Logs groups under /aws/iotwireless.',
    risk: 'write',
    family: 'AWS IoT Wireless',
    seed: false,
  },
  {
    name: 'AWSIoTWirelessReadOnlyAccess',
    path: '/',
    summary: 'Read-only access to AWS IoT Wireless (iotwireless:List*, Get*).',
    risk: 'read-only',
    family: 'AWS IoT Wireless',
    seed: false,
  },
  // FreeRTOS
  {
    name: 'AmazonFreeRTOSFullAccess',
    path: '/',
    summary: 'Full access to FreeRTOS configurations in the console (freertos:*).',
    risk: 'full',
    family: 'FreeRTOS',
    seed: false,
  },
  {
    name: 'AmazonFreeRTOSOTAUpdate',
    path: '/service-role/',
    summary:
      'FreeRTOS over-the-air updates: signs code, reads and writes afr-ota* S3 objects, and creates AWS ' +
      'IoT jobs and streams.',
    risk: 'write',
    family: 'FreeRTOS',
    seed: false,
  },
];
