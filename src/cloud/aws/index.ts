/**
 * AWS: STS for who the credentials are (after AssumeRole when the identity names a role), EC2
 * DescribeRegions for the region, and EC2 / Route 53 listings for discovery. The SDK's own retries
 * are off (maxAttempts 1): retries, timeouts and cancellation are the context's, as for the other
 * clouds.
 */
import { randomBytes } from 'node:crypto';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DescribeRegionsCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client, type Tag } from '@aws-sdk/client-ec2';
import { ListHostedZonesCommand, Route53Client } from '@aws-sdk/client-route-53';
import { ResourceCollector } from '../collect.js';
import { attempt, maskId, raceSignal, seconds, withRetries, type Ctx } from '../context.js';
import { CloudCheckError } from '../errors.js';
import type { AwsCloudIdentity, ConnectionReport, DiscoveredResource, Discovery } from '../types.js';
import { awsFailure, type AwsCall, type AwsSigner } from './errors.js';

interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

type Service = 'sts' | 'ec2' | 'route53';
const SERVICE_NAMES: Record<Service, string> = { sts: 'AWS STS', ec2: 'AWS EC2', route53: 'AWS Route 53' };
type AnyClient = STSClient | EC2Client | Route53Client;
/** What the three clients are given; each one's own config type accepts it. */
interface ClientConfig {
  region: string;
  maxAttempts: number;
  credentials?: AwsKeys;
  endpoint?: string;
}

/** AssumeRole's shortest session: the check needs a minute at most. */
const ROLE_SESSION_SECONDS = 900;

/** Short-lived credentials of an assumed role, for a Terraform run. */
export interface AwsRoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** When AWS ends the session (undefined when STS did not say). */
  expiration: Date | undefined;
  /** The assumed-role ARN of the session. */
  arn: string;
}

/**
 * STS and DescribeRegions go to the partition's always-enabled region, not the identity's: a
 * mistyped region has no endpoint (its host name does not resolve), and this way it is reported
 * as an unknown region rather than an unreachable endpoint.
 */
function controlRegion(region: string): string {
  if (region.startsWith('cn-')) return 'cn-north-1';
  if (region.startsWith('us-gov-')) return 'us-gov-west-1';
  return 'us-east-1';
}

function defaultUrl(service: Service, region: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  if (service === 'route53') return region.startsWith('us-gov-') ? 'https://route53.us-gov.amazonaws.com' : `https://route53.${suffix}`;
  return `https://${service}.${region}.${suffix}`;
}

class AwsSession {
  private readonly clients: AnyClient[] = [];
  readonly signer: AwsSigner;
  keys: AwsKeys | undefined;
  expiration: Date | undefined;

  constructor(
    readonly identity: AwsCloudIdentity,
    readonly ctx: Ctx,
    readonly roleSessionSeconds = ROLE_SESSION_SECONDS,
  ) {
    const creds = identity.credentials;
    this.signer = {
      keyLabel: creds ? `access key ${maskId(creds.access_key_id)}` : "the Tendril's own AWS credentials",
      ambient: !creds,
      customEndpoint: Boolean(identity.config.endpoint),
      ...(identity.config.role_arn ? { roleArn: identity.config.role_arn } : {}),
      ...(identity.config.external_id ? { externalId: identity.config.external_id } : {}),
    };
    if (creds) {
      ctx.addSecret(creds.secret_access_key);
      this.keys = { accessKeyId: creds.access_key_id, secretAccessKey: creds.secret_access_key };
    }
  }

  get region(): string {
    return this.identity.config.region;
  }

  call(service: Service, action: string, region: string): AwsCall {
    return { service: SERVICE_NAMES[service], url: this.identity.config.endpoint ?? defaultUrl(service, region), iamPrefix: service, action };
  }

  /** A client for `region`, signing with the session's keys (the default provider chain while there are none yet). */
  client<C extends AnyClient>(make: new (config: ClientConfig) => C, region: string): C {
    const endpoint = this.identity.config.endpoint;
    const client = new make({
      region,
      maxAttempts: 1,
      ...(this.keys ? { credentials: { ...this.keys } } : {}),
      ...(endpoint ? { endpoint } : {}),
    });
    this.clients.push(client);
    return client;
  }

  /** Sends one command with retries, the timeout and the signal; every failure becomes a CloudCheckError. */
  async send<T>(client: AnyClient, call: AwsCall, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return withRetries(this.ctx, call, call.action, async () => {
      try {
        return await attempt(this.ctx, call, send);
      } catch (err) {
        throw awsFailure(err, call, this.signer, this.ctx, client.config.systemClockOffset ?? 0);
      }
    });
  }

  /**
   * Settles the keys every later call signs with: the identity's, the Tendril's own (the default
   * provider chain: environment, shared files, container or instance role), or — when the identity
   * names a role — that role's, assumed with either.
   */
  async start(): Promise<void> {
    const { ctx, identity } = this;
    const home = controlRegion(this.region);
    if (!this.keys) {
      const sts = this.client(STSClient, home);
      const call = this.call('sts', 'resolving credentials', home);
      const found = await attempt(ctx, { service: "the Tendril's AWS credential providers", url: 'the default provider chain' }, (signal) => raceSignal(sts.config.credentials(), signal)).catch(
        (err: unknown) => {
          if (err instanceof CloudCheckError && err.code === 'timeout') {
            throw new CloudCheckError(
              'timeout',
              `Finding the Tendril's own AWS credentials (environment, shared files, container or instance role) took more than ${seconds(ctx.timeoutMs)}: give the Tendril an instance or task role that answers, or AWS credentials in its environment, or store access keys on the identity.`,
            );
          }
          throw awsFailure(err, call, this.signer, ctx, 0);
        },
      );
      ctx.addSecret(found.secretAccessKey);
      ctx.addSecret(found.sessionToken);
      this.keys = { accessKeyId: found.accessKeyId, secretAccessKey: found.secretAccessKey, ...(found.sessionToken ? { sessionToken: found.sessionToken } : {}) };
      this.signer.keyLabel = `the Tendril's own access key ${maskId(found.accessKeyId)}`;
      ctx.log(`AWS: signing with ${this.signer.keyLabel}`);
    } else {
      ctx.log(`AWS: signing with ${this.signer.keyLabel} from the identity`);
    }
    const roleArn = identity.config.role_arn;
    if (!roleArn) return;
    const sessionName = `vintner-${randomBytes(4).toString('hex')}`;
    const externalId = identity.config.external_id;
    const duration = this.roleSessionSeconds;
    ctx.log(`AWS STS AssumeRole ${roleArn} as session ${sessionName} (${duration / 60} min${externalId ? ', with the external id' : ''})`);
    const sts = this.client(STSClient, home);
    const out = await this.send(sts, this.call('sts', 'AssumeRole', home), (abortSignal) =>
      sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: sessionName,
          DurationSeconds: duration,
          ...(externalId ? { ExternalId: externalId } : {}),
        }),
        { abortSignal },
      ),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      throw new CloudCheckError('bad_response', `AWS STS AssumeRole answered without credentials at ${this.call('sts', 'AssumeRole', home).url}: check the identity's endpoint URL.`);
    }
    ctx.addSecret(c.SecretAccessKey);
    ctx.addSecret(c.SessionToken);
    this.keys = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    this.expiration = c.Expiration;
    this.signer.principal = out.AssumedRoleUser?.Arn ?? roleArn;
    this.signer.keyLabel = `the session of role ${roleArn}`;
    ctx.log(`AWS: assumed ${this.signer.principal}`);
  }

  close(): void {
    for (const c of this.clients) c.destroy();
  }
}

async function withSession<T>(identity: AwsCloudIdentity, ctx: Ctx, use: (s: AwsSession) => Promise<T>, roleSessionSeconds?: number): Promise<T> {
  const session = new AwsSession(identity, ctx, roleSessionSeconds);
  try {
    await session.start();
    return await use(session);
  } finally {
    session.close();
  }
}

/**
 * The identity's role assumed for `durationSeconds` (with its keys, or the Tendril's own
 * credentials, and its external id): what a Terraform run of an identity with a role signs with.
 */
export function assumeAwsRole(identity: AwsCloudIdentity, ctx: Ctx, durationSeconds: number): Promise<AwsRoleCredentials> {
  if (!identity.config.role_arn) {
    return Promise.reject(new CloudCheckError('role_not_assumable', "The identity names no role to assume: set its role ARN, or use its access keys directly."));
  }
  return withSession(
    identity,
    ctx,
    async (s) => {
      const k = s.keys!;
      return { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey, sessionToken: k.sessionToken ?? '', expiration: s.expiration, arn: s.signer.principal ?? identity.config.role_arn! };
    },
    durationSeconds,
  );
}

export function testAws(identity: AwsCloudIdentity, ctx: Ctx): Promise<ConnectionReport> {
  return withSession(identity, ctx, async (s) => {
    const home = controlRegion(s.region);
    const sts = s.client(STSClient, home);
    const me = await s.send(sts, s.call('sts', 'GetCallerIdentity', home), (abortSignal) => sts.send(new GetCallerIdentityCommand({}), { abortSignal }));
    if (!me.Account || !me.Arn) {
      throw new CloudCheckError('bad_response', `AWS STS GetCallerIdentity answered without an account at ${s.call('sts', 'GetCallerIdentity', home).url}: check the identity's endpoint URL.`);
    }
    s.signer.principal = me.Arn;
    ctx.log(`AWS STS GetCallerIdentity: account ${me.Account}, ${me.Arn}`);

    const ec2 = s.client(EC2Client, home);
    const regionCall = s.call('ec2', 'DescribeRegions', home);
    const unknown = () =>
      new CloudCheckError('region_unknown', `AWS has no region '${s.region}': set the identity's region to a region code such as eu-west-1 (aws ec2 describe-regions lists them).`);
    const regions = await s
      .send(ec2, regionCall, (abortSignal) => ec2.send(new DescribeRegionsCommand({ RegionNames: [s.region], AllRegions: true }), { abortSignal }))
      .catch((err: unknown) => {
        // An unknown name is a 400 InvalidParameterValue ("Invalid region: [xx-fake-1]").
        if (err instanceof CloudCheckError && (err.cause as { code?: string } | undefined)?.code === 'InvalidParameterValue') throw unknown();
        throw err;
      });
    const found = regions.Regions?.find((r) => r.RegionName === s.region);
    if (!found) throw unknown();
    if (found.OptInStatus === 'not-opted-in') {
      throw new CloudCheckError('region_unknown', `Region ${s.region} is not enabled for AWS account ${me.Account}: enable it under Account → AWS Regions, or choose an enabled region.`);
    }
    ctx.log(`AWS EC2 DescribeRegions: ${s.region} is available (${found.OptInStatus ?? 'no opt-in status'})`);

    const roleArn = identity.config.role_arn;
    const details: ConnectionReport['details'] = {
      account_id: me.Account,
      arn: me.Arn,
      region: s.region,
      credentials: identity.credentials ? 'identity keys' : 'tendril',
      ...(roleArn ? { assumed_role: roleArn } : {}),
    };
    const via = roleArn ? ` (role ${roleArn} assumed${identity.config.external_id ? ' with the external id' : ''})` : '';
    return { provider: 'aws', summary: `Connected to AWS account ${me.Account} as ${me.Arn}${via}; region ${s.region} is available.`, details };
  });
}

function nameTag(tags: Tag[] | undefined): string | null {
  return tags?.find((t) => t.Key === 'Name')?.Value ?? null;
}

const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, n));

export function discoverAws(identity: AwsCloudIdentity, ctx: Ctx): Promise<Discovery> {
  return withSession(identity, ctx, async (s) => {
    const region = s.region;
    const ec2 = s.client(EC2Client, region);
    const out = new ResourceCollector(ctx);

    const vpcs = s.call('ec2', 'DescribeVpcs', region);
    await out.list('networks', `${vpcs.service} ${vpcs.action}`, async (token, size) => {
      const page = await s.send(ec2, vpcs, (abortSignal) => ec2.send(new DescribeVpcsCommand({ MaxResults: clamp(size, 5, 1000), NextToken: token }), { abortSignal }));
      const items = (page.Vpcs ?? []).map(
        (v): DiscoveredResource => ({
          kind: 'network',
          external_id: v.VpcId ?? '',
          name: nameTag(v.Tags),
          region,
          data: {
            cidr_blocks: v.CidrBlockAssociationSet?.filter((a) => a.CidrBlockState?.State === 'associated').map((a) => a.CidrBlock) ?? (v.CidrBlock ? [v.CidrBlock] : []),
            ipv6_cidr_blocks: v.Ipv6CidrBlockAssociationSet?.filter((a) => a.Ipv6CidrBlockState?.State === 'associated').map((a) => a.Ipv6CidrBlock) ?? [],
            is_default: v.IsDefault === true,
            state: v.State ?? null,
            owner_id: v.OwnerId ?? null,
          },
        }),
      );
      return { items, next: page.NextToken || undefined };
    });

    const subnets = s.call('ec2', 'DescribeSubnets', region);
    await out.list('subnets', `${subnets.service} ${subnets.action}`, async (token, size) => {
      const page = await s.send(ec2, subnets, (abortSignal) => ec2.send(new DescribeSubnetsCommand({ MaxResults: clamp(size, 5, 1000), NextToken: token }), { abortSignal }));
      const items = (page.Subnets ?? []).map(
        (n): DiscoveredResource => ({
          kind: 'subnet',
          external_id: n.SubnetId ?? '',
          name: nameTag(n.Tags),
          region,
          data: {
            cidr: n.CidrBlock ?? null,
            availability_zone: n.AvailabilityZone ?? null,
            network_id: n.VpcId ?? null,
            // Whether instances get a public address; a true "public" subnet also routes to an internet gateway.
            public: n.MapPublicIpOnLaunch === true,
            default_for_az: n.DefaultForAz === true,
            available_ip_count: n.AvailableIpAddressCount ?? null,
          },
        }),
      );
      return { items, next: page.NextToken || undefined };
    });

    // Route 53 is global: its signing region is the partition's home region.
    const home = controlRegion(region);
    const r53 = s.client(Route53Client, home);
    const zones = s.call('route53', 'ListHostedZones', home);
    await out.list('DNS zones', `${zones.service} ${zones.action}`, async (marker, size) => {
      const page = await s.send(r53, zones, (abortSignal) => r53.send(new ListHostedZonesCommand({ Marker: marker, MaxItems: clamp(size, 1, 100) }), { abortSignal }));
      const items = (page.HostedZones ?? []).map(
        (z): DiscoveredResource => ({
          kind: 'dns_zone',
          external_id: (z.Id ?? '').replace(/^\/hostedzone\//, ''),
          name: (z.Name ?? '').replace(/\.$/, '') || null,
          region: null,
          data: {
            domain_name: (z.Name ?? '').replace(/\.$/, ''),
            private: z.Config?.PrivateZone === true,
            record_count: z.ResourceRecordSetCount ?? null,
            comment: z.Config?.Comment ?? null,
          },
        }),
      );
      return { items, next: page.IsTruncated ? page.NextMarker || undefined : undefined };
    });
    return out.result();
  });
}
