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
 * Each entry is under its family's heading, with what the policy grants in the comment above it (for the seed ten
 * as the developer guide's table says; for the others, from the policy's document). Comments, not fields: no code reads
 * them, and as data they were ~6 KB of every function's cold start.
 *
 * Sorted by family, then name (code-point order). Regenerate rather than hand-edit when moto's list moves.
 */

export type Risk = 'read-only' | 'write' | 'full';

export interface CatalogPolicy {
  /** Exact, case-sensitive policy name, e.g. 'AWSIoTLogging'. */
  readonly name: string;
  /** IAM path exactly as AWS has it: '/', '/service-role/' or '/aws-service-role/'. */
  readonly path: string;
  /** read-only; write (can change things); full (all actions of the service). */
  readonly risk: Risk;
  /** True for exactly the ten policies of the AWS IoT developer guide's IAM managed policies table. */
  readonly seed: boolean;
  /** AWS no longer lists the policy (absent from moto's 2026 list); principals may still hold it. */
  readonly deprecated?: boolean;
}

/** The day the catalog was compiled from moto 5.2.4's AWS managed-policy list and the AWS Managed Policy Reference. */
export const CATALOG_COMPILED = '2026-11-26';

export const CATALOG: readonly CatalogPolicy[] = [
  // AWS IoT 1-Click
  //   Full access to AWS IoT 1-Click (iot1click:*); the service was discontinued on 2024-12-16.
  { name: 'AWSIoT1ClickFullAccess', path: '/', risk: 'full', seed: false, deprecated: true },
  //   Read-only access to AWS IoT 1-Click (Describe*, Get*, List*); the service was discontinued on 2024-12-16.
  { name: 'AWSIoT1ClickReadOnlyAccess', path: '/', risk: 'read-only', seed: false, deprecated: true },
  // AWS IoT Analytics
  //   Full access to AWS IoT Analytics (iotanalytics:*); the service reached end of support on 2025-12-15.
  { name: 'AWSIoTAnalyticsFullAccess', path: '/', risk: 'full', seed: false },
  //   Read-only access to AWS IoT Analytics (Describe*, List*, Get*, SampleChannelData).
  { name: 'AWSIoTAnalyticsReadOnlyAccess', path: '/', risk: 'read-only', seed: false },
  //   Lets Amazon QuickSight list, describe and read AWS IoT Analytics datasets (a QuickSight integration policy for
  //   IoT Analytics data).
  { name: 'AWSQuickSightIoTAnalyticsAccess', path: '/', risk: 'read-only', seed: false },
  // AWS IoT Core
  //   Access to all AWS IoT configuration operations; can affect data processing and storage.
  { name: 'AWSIoTConfigAccess', path: '/', risk: 'write', seed: true },
  //   Read-only access to AWS IoT configuration operations.
  { name: 'AWSIoTConfigReadOnlyAccess', path: '/', risk: 'read-only', seed: true },
  //   Full access to AWS IoT data operations: connect, publish, subscribe and receive over MQTT or HTTP, and device
  //   shadows.
  { name: 'AWSIoTDataAccess', path: '/', risk: 'write', seed: true },
  //   Full access to all AWS IoT configuration and messaging operations (iot:*, iotjobsdata:*).
  { name: 'AWSIoTFullAccess', path: '/', risk: 'full', seed: true },
  //   Creates CloudWatch Logs groups and streams logs to them; attached to the AWS IoT logging role.
  { name: 'AWSIoTLogging', path: '/service-role/', risk: 'write', seed: true },
  //   Creates AWS IoT jobs and AWS IoT code signing jobs, and describes AWS code signer jobs.
  { name: 'AWSIoTOTAUpdate', path: '/service-role/', risk: 'write', seed: true },
  //   Access to all AWS services supported in AWS IoT rule actions.
  { name: 'AWSIoTRuleActions', path: '/service-role/', risk: 'write', seed: true },
  //   Registers things in bulk with StartThingRegistrationTask; can affect data processing and storage.
  { name: 'AWSIoTThingsRegistration', path: '/service-role/', risk: 'write', seed: true },
  // AWS IoT Device Defender
  //   Device Defender mitigation action: adds things to a thing group (iot:AddThingToThingGroup,
  //   iot:ListPrincipalThings).
  {
    name: 'AWSIoTDeviceDefenderAddThingsToThingGroupMitigationAction',
    path: '/service-role/',
    risk: 'write',
    seed: false,
  },
  //   Read access to the AWS IoT and IAM configuration that Device Defender audits (certificates, policies, role
  //   aliases, logging options).
  { name: 'AWSIoTDeviceDefenderAudit', path: '/service-role/', risk: 'read-only', seed: false },
  //   Device Defender mitigation action: turns on AWS IoT logging (iot:SetV2LoggingOptions) and passes a role to AWS
  //   IoT.
  { name: 'AWSIoTDeviceDefenderEnableIoTLoggingMitigationAction', path: '/service-role/', risk: 'write', seed: false },
  //   Device Defender mitigation action: publishes audit findings to any SNS topic (sns:Publish).
  {
    name: 'AWSIoTDeviceDefenderPublishFindingsToSNSMitigationAction',
    path: '/service-role/',
    risk: 'write',
    seed: false,
  },
  //   Device Defender mitigation action: replaces the default AWS IoT policy version (iot:CreatePolicyVersion).
  {
    name: 'AWSIoTDeviceDefenderReplaceDefaultPolicyMitigationAction',
    path: '/service-role/',
    risk: 'write',
    seed: false,
  },
  //   Device Defender mitigation action: updates a CA certificate (iot:UpdateCACertificate), e.g. to deactivate it.
  { name: 'AWSIoTDeviceDefenderUpdateCACertMitigationAction', path: '/service-role/', risk: 'write', seed: false },
  //   Device Defender mitigation action: updates a device certificate (iot:UpdateCertificate), e.g. to deactivate it.
  { name: 'AWSIoTDeviceDefenderUpdateDeviceCertMitigationAction', path: '/service-role/', risk: 'write', seed: false },
  // AWS IoT Device Tester
  //   What AWS IoT Device Tester needs to qualify FreeRTOS devices: things, certificates, policies, OTA updates,
  //   signing jobs, S3 buckets, EC2 test instances.
  { name: 'AWSIoTDeviceTesterForFreeRTOSFullAccess', path: '/', risk: 'full', seed: false },
  //   What AWS IoT Device Tester needs to qualify Greengrass devices: greengrass:*, things, certificates, policies,
  //   jobs, Lambda functions, S3 buckets.
  { name: 'AWSIoTDeviceTesterForGreengrassFullAccess', path: '/', risk: 'full', seed: false },
  // AWS IoT Events
  //   Full access to AWS IoT Events (iotevents:*).
  { name: 'AWSIoTEventsFullAccess', path: '/', risk: 'full', seed: true },
  //   Read-only access to AWS IoT Events.
  { name: 'AWSIoTEventsReadOnlyAccess', path: '/', risk: 'read-only', seed: true },
  // AWS IoT Fleet Hub
  //   Federated access for Fleet Hub applications: fleet indexing and metrics, jobs, CloudWatch alarms and SNS topics;
  //   Fleet Hub was discontinued on 2025-10-18.
  { name: 'AWSIoTFleetHubFederationAccess', path: '/service-role/', risk: 'write', seed: false },
  // AWS IoT FleetWise
  //   Service-linked role policy of AWS IoT FleetWise: publishes CloudWatch metrics in the AWS/IoTFleetWise namespace.
  { name: 'AWSIoTFleetwiseServiceRolePolicy', path: '/aws-service-role/', risk: 'write', seed: false },
  // AWS IoT Greengrass
  //   Full access to AWS IoT Greengrass (greengrass:*).
  { name: 'AWSGreengrassFullAccess', path: '/', risk: 'full', seed: false },
  //   Read-only access to AWS IoT Greengrass (List*, Get*).
  { name: 'AWSGreengrassReadOnlyAccess', path: '/', risk: 'read-only', seed: false },
  //   Greengrass service role: greengrass:*, shadows of Greengrass things, and reads of the Lambda functions, S3
  //   objects, SageMaker jobs and secrets it deploys.
  { name: 'AWSGreengrassResourceAccessRolePolicy', path: '/service-role/', risk: 'write', seed: false },
  //   Lets AWS IoT read Greengrass over-the-air update artifacts (s3:GetObject on *-greengrass-updates buckets).
  { name: 'GreengrassOTAUpdateArtifactAccess', path: '/service-role/', risk: 'read-only', seed: false },
  // AWS IoT Managed Integrations
  //   Full access to AWS IoT Device Management managed integrations (iotmanagedintegrations:*) and its service-linked
  //   role.
  { name: 'AWSIoTManagedIntegrationsFullAccess', path: '/', risk: 'full', seed: false },
  //   Service-linked role policy of managed integrations: writes CloudWatch Logs and metrics for the service.
  { name: 'AWSIoTManagedIntegrationsRolePolicy', path: '/aws-service-role/', risk: 'write', seed: false },
  // AWS IoT RoboRunner
  //   Full access to AWS IoT RoboRunner (iotroborunner:*) and its service-linked role; AWS no longer lists it.
  { name: 'AWSIotRoboRunnerFullAccess', path: '/', risk: 'full', seed: false, deprecated: true },
  //   Read-only access to AWS IoT RoboRunner sites, workers, worker fleets and destinations; AWS no longer lists it.
  { name: 'AWSIotRoboRunnerReadOnly', path: '/', risk: 'read-only', seed: false, deprecated: true },
  //   Service-linked role policy of AWS IoT RoboRunner; AWS no longer lists it.
  {
    name: 'AWSIotRoboRunnerServiceRolePolicy',
    path: '/aws-service-role/',
    risk: 'write',
    seed: false,
    deprecated: true,
  },
  // AWS IoT SiteWise
  //   Full access to AWS IoT SiteWise through the console (iotsitewise:*), plus the IoT Analytics, Greengrass and
  //   Secrets Manager calls the console makes.
  { name: 'AWSIoTSiteWiseConsoleFullAccess', path: '/', risk: 'full', seed: false },
  //   Full access to AWS IoT SiteWise (iotsitewise:*).
  { name: 'AWSIoTSiteWiseFullAccess', path: '/', risk: 'full', seed: false },
  //   Service role for SiteWise Monitor portals: manages projects, dashboards and access policies, and reads assets and
  //   their values.
  { name: 'AWSIoTSiteWiseMonitorPortalAccess', path: '/service-role/', risk: 'write', seed: false },
  //   Service-linked role policy of SiteWise Monitor: manages projects, dashboards and access policies, and reads
  //   assets.
  { name: 'AWSIoTSiteWiseMonitorServiceRolePolicy', path: '/aws-service-role/', risk: 'write', seed: false },
  //   Read-only access to AWS IoT SiteWise (Describe*, List*, Get*, BatchGet*).
  { name: 'AWSIoTSiteWiseReadOnlyAccess', path: '/', risk: 'read-only', seed: false },
  //   Service-linked role policy of AWS IoT SiteWise: reads Greengrass groups, writes its CloudWatch Logs, reads
  //   TwinMaker workspaces.
  { name: 'AWSServiceRoleForIoTSiteWise', path: '/aws-service-role/', risk: 'write', seed: false },
  // AWS IoT TwinMaker
  //   Service-linked role policy of AWS IoT TwinMaker: reads SiteWise assets and models and manages the TwinMaker
  //   entities synced from them.
  { name: 'AWSIoTTwinMakerServiceRolePolicy', path: '/aws-service-role/', risk: 'write', seed: false },
  // AWS IoT Wireless
  //   Sends data to wireless devices (iotwireless:SendDataToWirelessDevice).
  { name: 'AWSIoTWirelessDataAccess', path: '/', risk: 'write', seed: false },
  //   Full access to AWS IoT Core for LoRaWAN and Sidewalk (iotwireless:*).
  { name: 'AWSIoTWirelessFullAccess', path: '/', risk: 'full', seed: false },
  //   Lets AWS IoT Wireless publish to any AWS IoT topic (iot:Publish, iot:DescribeEndpoint).
  { name: 'AWSIoTWirelessFullPublishAccess', path: '/', risk: 'write', seed: false },
  //   Creates and reads AWS IoT certificates for LoRaWAN gateways (iot:CreateKeysAndCertificate).
  { name: 'AWSIoTWirelessGatewayCertManager', path: '/', risk: 'write', seed: false },
  //   Writes AWS IoT Wireless logs to CloudWatch Logs groups under /aws/iotwireless.
  { name: 'AWSIoTWirelessLogging', path: '/', risk: 'write', seed: false },
  //   Read-only access to AWS IoT Wireless (iotwireless:List*, Get*).
  { name: 'AWSIoTWirelessReadOnlyAccess', path: '/', risk: 'read-only', seed: false },
  // FreeRTOS
  //   Full access to FreeRTOS configurations in the console (freertos:*).
  { name: 'AmazonFreeRTOSFullAccess', path: '/', risk: 'full', seed: false },
  //   FreeRTOS over-the-air updates: signs code, reads and writes afr-ota* S3 objects, and creates AWS IoT jobs and
  //   streams.
  { name: 'AmazonFreeRTOSOTAUpdate', path: '/service-role/', risk: 'write', seed: false },
];
