/**
 * A fake of AWS STS and EC2 (query protocol: form-encoded `Action=…&Version=…`, XML answers) and
 * Route 53 (REST XML) on one local server, as an identity's `endpoint` points every AWS client at
 * one URL. Every request's SigV4 signature is recomputed with the known secret and refused as AWS
 * refuses it; session credentials from AssumeRole must come with their session token.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { pageToken, send, startServer, takeThrottle, type FakeServer, type RecordedRequest } from './server.js';
import { verifySigV4 } from './sigv4.js';

export interface AwsUser {
  accessKeyId: string;
  secretAccessKey: string;
  arn: string;
  account: string;
  /** IAM actions refused to this user, e.g. "ec2:DescribeSubnets". */
  deny?: string[];
  /** Temporary credentials (with a session token) whose session has ended. */
  sessionToken?: string;
  expired?: boolean;
}
export interface AwsRole {
  arn: string;
  /** Principal ARNs (users or `arn:aws:iam::<account>:root`) the trust policy allows. */
  trusts: string[];
  /** The trust policy's sts:ExternalId condition, if any. */
  externalId?: string;
  deny?: string[];
}
export interface AwsVpc {
  id: string;
  cidr: string;
  isDefault?: boolean;
  name?: string;
}
export interface AwsSubnet {
  id: string;
  vpcId: string;
  cidr: string;
  az: string;
  public?: boolean;
  name?: string;
}
export interface AwsZone {
  id: string;
  name: string;
  private?: boolean;
  records?: number;
}
export interface AwsFakeState {
  users: AwsUser[];
  roles: AwsRole[];
  regions: Array<{ name: string; optIn: 'opt-in-not-required' | 'opted-in' | 'not-opted-in' }>;
  vpcs: AwsVpc[];
  subnets: AwsSubnet[];
  zones: AwsZone[];
  /** The most items one page holds, whatever the request asks for (AWS may return fewer). */
  pageSize: number;
  /** route → how many of its next answers are throttling errors. */
  throttle: Record<string, number>;
  /** route → how long its answer waits. */
  delayMs: Record<string, number>;
  /** How far the fake's clock is from the real one. */
  clockOffsetMs: number;
}

interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  role: AwsRole;
  sessionName: string;
  account: string;
  expiresAt: number;
}

export interface AwsFake extends FakeServer {
  state: AwsFakeState;
  sessions: Session[];
  /** Requests the fake understood, as "service:Action". */
  routes(): string[];
}

const NS = {
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  ec2: 'http://ec2.amazonaws.com/doc/2016-11-15/',
  route53: 'https://route53.amazonaws.com/doc/2013-04-01/',
};
const VERSIONS: Record<string, 'sts' | 'ec2'> = { '2011-06-15': 'sts', '2016-11-15': 'ec2' };

const x = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const randomId = (prefix: string, n = 16) => prefix + randomBytes(n).toString('hex').toUpperCase().slice(0, n);

export function awsTestUser(overrides: Partial<AwsUser> = {}): AwsUser {
  return {
    accessKeyId: randomId('AKIATEST', 12),
    secretAccessKey: `test-secret-${randomBytes(16).toString('hex')}`,
    arn: 'arn:aws:iam::111122223333:user/vintner-test',
    account: '111122223333',
    ...overrides,
  };
}

export async function startAwsFake(initial: Partial<AwsFakeState> = {}): Promise<AwsFake> {
  const state: AwsFakeState = {
    users: [],
    roles: [],
    regions: [
      { name: 'us-east-1', optIn: 'opt-in-not-required' },
      { name: 'eu-west-1', optIn: 'opt-in-not-required' },
      { name: 'af-south-1', optIn: 'not-opted-in' },
    ],
    vpcs: [],
    subnets: [],
    zones: [],
    pageSize: 1000,
    throttle: {},
    delayMs: {},
    clockOffsetMs: 0,
    ...initial,
  };
  const sessions: Session[] = [];
  const now = () => new Date(Date.now() + state.clockOffsetMs);

  const server = await startServer(async (req, res) => {
    const reply = (status: number, body: string) =>
      send(res, status, 'text/xml', body, { 'x-amzn-requestid': randomUUID(), date: now().toUTCString() });
    const isRoute53 = req.path.startsWith('/2013-04-01/');
    const form = new URLSearchParams(req.method === 'POST' ? req.body : '');
    const service = isRoute53 ? 'route53' : VERSIONS[form.get('Version') ?? ''];
    if (!service) return reply(400, errorXml('sts', 'InvalidAction', `Could not find operation ${form.get('Action') ?? ''} for version ${form.get('Version') ?? ''}`));
    const action = isRoute53 ? (req.method === 'GET' && req.path === '/2013-04-01/hostedzone' ? 'ListHostedZones' : 'Unknown') : (form.get('Action') ?? '');
    req.route = `${service}:${action}`;
    const fail = (status: number, code: string, message: string) => reply(status, errorXml(service, code, message));

    // Authentication: the signature, the clock, the session token.
    const v = verifySigV4(req, (id) => state.users.find((u) => u.accessKeyId === id)?.secretAccessKey ?? sessions.find((s) => s.accessKeyId === id)?.secretAccessKey, now());
    if (!v.ok) {
      if (v.code === 'SignatureExpired') return service === 'ec2' ? fail(400, 'RequestExpired', 'Request has expired.') : fail(403, 'SignatureDoesNotMatch', v.message);
      if (service === 'ec2' && (v.code === 'InvalidClientTokenId' || v.code === 'SignatureDoesNotMatch')) return fail(401, 'AuthFailure', 'AWS was not able to validate the provided access credentials');
      return fail(403, v.code, v.message);
    }
    if (v.service !== service) return fail(403, 'SignatureDoesNotMatch', `Credential should be scoped to correct service: '${service}'. `);
    const user = state.users.find((u) => u.accessKeyId === v.accessKeyId);
    const session = sessions.find((s) => s.accessKeyId === v.accessKeyId);
    if (user?.sessionToken !== undefined) {
      if (req.headers['x-amz-security-token'] !== user.sessionToken) return fail(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
      if (user.expired) return fail(403, 'ExpiredToken', 'The security token included in the request is expired');
    }
    if (session) {
      if (req.headers['x-amz-security-token'] !== session.sessionToken) return fail(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
      if (session.expiresAt < now().getTime()) return fail(403, 'ExpiredToken', 'The security token included in the request is expired');
    }
    const caller = user
      ? { arn: user.arn, account: user.account, deny: user.deny ?? [], userId: `AIDA${user.accessKeyId.slice(4)}` }
      : { arn: `arn:aws:sts::${session!.account}:assumed-role/${session!.role.arn.split('/').pop()}/${session!.sessionName}`, account: session!.account, deny: session!.role.deny ?? [], userId: `AROA123:${session!.sessionName}` };

    const delay = state.delayMs[req.route];
    if (delay) await server.delay(delay);
    if (takeThrottle(state.throttle, req.route)) {
      return service === 'ec2' ? fail(503, 'RequestLimitExceeded', 'Request limit exceeded.') : fail(400, 'Throttling', 'Rate exceeded');
    }
    const iamAction = `${service}:${action}`;
    if (caller.deny.includes(iamAction)) {
      return service === 'ec2'
        ? fail(403, 'UnauthorizedOperation', `You are not authorized to perform this operation. User: ${caller.arn} is not authorized to perform: ${iamAction} because no identity-based policy allows the ${iamAction} action`)
        : fail(403, 'AccessDenied', `User: ${caller.arn} is not authorized to perform: ${iamAction} because no identity-based policy allows the ${iamAction} action`);
    }

    switch (req.route) {
      case 'sts:GetCallerIdentity':
        return reply(200, stsOk('GetCallerIdentity', `<Arn>${x(caller.arn)}</Arn><UserId>${x(caller.userId)}</UserId><Account>${caller.account}</Account>`));
      case 'sts:AssumeRole': {
        const roleArn = form.get('RoleArn') ?? '';
        const sessionName = form.get('RoleSessionName') ?? '';
        const duration = Number(form.get('DurationSeconds') ?? '3600');
        if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) return fail(400, 'ValidationError', `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
        if (!(duration >= 900 && duration <= 43200)) return fail(400, 'ValidationError', `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`);
        const role = state.roles.find((r) => r.arn === roleArn);
        const trusted = role && (role.trusts.includes(caller.arn) || role.trusts.includes(`arn:aws:iam::${caller.account}:root`));
        const externalOk = role && (role.externalId === undefined || role.externalId === form.get('ExternalId'));
        if (!role || !trusted || !externalOk) return fail(403, 'AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
        const s: Session = {
          accessKeyId: randomId('ASIATEST', 12),
          secretAccessKey: `test-session-secret-${randomBytes(16).toString('hex')}`,
          sessionToken: `test-session-token-${randomBytes(24).toString('base64url')}`,
          role,
          sessionName,
          account: role.arn.split(':')[4] ?? caller.account,
          expiresAt: now().getTime() + duration * 1000,
        };
        sessions.push(s);
        const arn = `arn:aws:sts::${s.account}:assumed-role/${role.arn.split('/').pop()}/${sessionName}`;
        return reply(
          200,
          stsOk(
            'AssumeRole',
            `<AssumedRoleUser><Arn>${x(arn)}</Arn><AssumedRoleId>AROA123:${x(sessionName)}</AssumedRoleId></AssumedRoleUser>` +
              `<Credentials><AccessKeyId>${s.accessKeyId}</AccessKeyId><SecretAccessKey>${s.secretAccessKey}</SecretAccessKey><SessionToken>${s.sessionToken}</SessionToken><Expiration>${new Date(s.expiresAt).toISOString()}</Expiration></Credentials>`,
          ),
        );
      }
      case 'ec2:DescribeRegions': {
        const names = [...form.entries()].filter(([k]) => /^RegionName\.\d+$/.test(k)).map(([, v]) => v);
        const all = form.get('AllRegions') === 'true';
        const unknown = names.filter((n) => !state.regions.some((r) => r.name === n));
        if (unknown.length) return fail(400, 'InvalidParameterValue', `Invalid region: [${unknown.join(', ')}]`);
        const found = state.regions.filter((r) => (names.length === 0 || names.includes(r.name)) && (all || r.optIn !== 'not-opted-in'));
        const items = found.map((r) => `<item><regionName>${r.name}</regionName><regionEndpoint>ec2.${r.name}.amazonaws.com</regionEndpoint><optInStatus>${r.optIn}</optInStatus></item>`);
        return reply(200, ec2Ok('DescribeRegions', `<regionInfo>${items.join('')}</regionInfo>`));
      }
      case 'ec2:DescribeVpcs':
      case 'ec2:DescribeSubnets': {
        const list = action === 'DescribeVpcs' ? state.vpcs : state.subnets;
        const page = ec2Page(form, list.length, state.pageSize);
        if ('error' in page) return fail(400, 'InvalidParameterValue', page.error);
        const slice = list.slice(page.start, page.end);
        const next = page.end < list.length ? `<nextToken>${pageToken.make(page.end)}</nextToken>` : '';
        const body =
          action === 'DescribeVpcs'
            ? `<vpcSet>${(slice as AwsVpc[]).map(vpcXml).join('')}</vpcSet>${next}`
            : `<subnetSet>${(slice as AwsSubnet[]).map(subnetXml).join('')}</subnetSet>${next}`;
        return reply(200, ec2Ok(action, body));
      }
      case 'route53:ListHostedZones': {
        const marker = req.query.get('marker');
        const start = marker ? state.zones.findIndex((z) => z.id === marker) : 0;
        if (start < 0) return fail(400, 'InvalidInput', `Invalid marker: ${marker}`);
        const max = Math.min(Number(req.query.get('maxitems') ?? '100'), 100, state.pageSize);
        const slice = state.zones.slice(start, start + max);
        const nextZone = state.zones[start + max];
        const zones = slice
          .map(
            (z) =>
              `<HostedZone><Id>/hostedzone/${z.id}</Id><Name>${x(z.name)}.</Name><CallerReference>ref-${z.id}</CallerReference><Config><Comment>test zone</Comment><PrivateZone>${z.private === true}</PrivateZone></Config><ResourceRecordSetCount>${z.records ?? 2}</ResourceRecordSetCount></HostedZone>`,
          )
          .join('');
        return reply(
          200,
          `<?xml version="1.0" encoding="UTF-8"?>\n<ListHostedZonesResponse xmlns="${NS.route53}"><HostedZones>${zones}</HostedZones>${marker ? `<Marker>${marker}</Marker>` : ''}<IsTruncated>${Boolean(nextZone)}</IsTruncated>${nextZone ? `<NextMarker>${nextZone.id}</NextMarker>` : ''}<MaxItems>${max}</MaxItems></ListHostedZonesResponse>`,
        );
      }
      default:
        return fail(400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
    }
  });

  return {
    ...server,
    state,
    sessions,
    routes: () => server.requests.map((r) => r.route ?? '?'),
  };
}

function ec2Page(form: URLSearchParams, total: number, pageSize: number): { start: number; end: number } | { error: string } {
  const start = pageToken.read(form.get('NextToken'));
  if (start === undefined) return { error: 'The token provided is invalid.' };
  const max = form.has('MaxResults') ? Number(form.get('MaxResults')) : total;
  if (form.has('MaxResults') && !(max >= 5 && max <= 1000)) return { error: `Value ( ${max} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.` };
  return { start, end: Math.min(total, start + Math.min(max, pageSize)) };
}

function tagSet(name: string | undefined): string {
  return name ? `<tagSet><item><key>Name</key><value>${x(name)}</value></item></tagSet>` : '';
}

function vpcXml(v: AwsVpc): string {
  return (
    `<item><vpcId>${v.id}</vpcId><ownerId>111122223333</ownerId><state>available</state><cidrBlock>${v.cidr}</cidrBlock>` +
    `<cidrBlockAssociationSet><item><cidrBlock>${v.cidr}</cidrBlock><associationId>vpc-cidr-assoc-${v.id}</associationId><cidrBlockState><state>associated</state></cidrBlockState></item></cidrBlockAssociationSet>` +
    `<dhcpOptionsId>dopt-1</dhcpOptionsId>${tagSet(v.name)}<instanceTenancy>default</instanceTenancy><isDefault>${v.isDefault === true}</isDefault></item>`
  );
}

function subnetXml(s: AwsSubnet): string {
  return (
    `<item><subnetId>${s.id}</subnetId><subnetArn>arn:aws:ec2:eu-west-1:111122223333:subnet/${s.id}</subnetArn><state>available</state><vpcId>${s.vpcId}</vpcId><cidrBlock>${s.cidr}</cidrBlock>` +
    `<availableIpAddressCount>251</availableIpAddressCount><availabilityZone>${s.az}</availabilityZone><availabilityZoneId>euw1-az1</availabilityZoneId>` +
    `<defaultForAz>false</defaultForAz><mapPublicIpOnLaunch>${s.public === true}</mapPublicIpOnLaunch>${tagSet(s.name)}</item>`
  );
}

function stsOk(action: string, result: string): string {
  return `<${action}Response xmlns="${NS.sts}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
}

function ec2Ok(action: string, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${NS.ec2}"><requestId>${randomUUID()}</requestId>${body}</${action}Response>`;
}

function errorXml(service: 'sts' | 'ec2' | 'route53', code: string, message: string): string {
  if (service === 'ec2') {
    return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${x(message)}</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`;
  }
  return `<ErrorResponse xmlns="${NS[service]}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${x(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

export type { RecordedRequest, ServerResponse };
