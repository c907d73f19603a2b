/**
 * `npx tsx scripts/permissions.ts [--check]`
 *
 * The permissions a cloud identity needs, generated from `terraform/<cloud>/permissions.json` (every
 * resource and data-source type the target uses → what the cloud needs to plan, apply and destroy
 * it). Writes:
 *
 * - `terraform/aws/iam-policy.json` and the permissions section of `docs/clouds/aws.md`: the
 *   least-privilege IAM policy — the union of the actions, each in exactly one statement, scoped by
 *   the rules below (`AWS_STATEMENTS`) where AWS allows it. terraform/tendril-aws gives it to a
 *   Tendril's task role.
 * - the permissions section of `docs/clouds/gcp.md`: the custom role (the union of the
 *   permissions, as `gcloud iam roles create --file` takes it) and the predefined roles per type.
 * - the permissions section of `docs/clouds/azure.md`: the custom role definition (control-plane
 *   `Actions`, Key Vault secret operations as `DataActions`), as `az role definition create` takes it.
 *
 * A docs section is what lies between `<!-- permissions:begin -->` and `<!-- permissions:end -->`;
 * the prose around it is written by hand. Every run first checks that each permissions.json lists
 * exactly the types its module uses (a new resource type without permissions is an error).
 * `--check` writes nothing and exits 1 when a generated file or section is stale
 * (test/terraform/permissions.test.ts runs it).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLOUDS = ['aws', 'gcp', 'azure'] as const;
export type Cloud = (typeof CLOUDS)[number];
const BEGIN = '<!-- permissions:begin -->';
const END = '<!-- permissions:end -->';

// ------------------------------------------------------------------------------------- inputs
type AwsPermissions = Record<string, string[]>;
type GcpPermissions = Record<string, { permissions: string[]; roles: string[] }>;
type AzurePermissions = Record<string, string[]>;

const readJson = <T>(path: string): T => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as T;

/** `resource "<type>"` and `data "<type>"` (as `data.<type>`) in a module's .tf files. */
export function moduleTypes(cloud: Cloud): string[] {
  const dir = join(ROOT, 'terraform', cloud);
  const types = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.tf'))) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/^(resource|data)\s+"([a-z0-9_]+)"/gm)) types.add(m[1] === 'data' ? `data.${m[2]}` : m[2]!);
  }
  return [...types].sort();
}

/** What is wrong between a permissions.json and its module (empty: they agree). */
export function typeMismatches(cloud: Cloud): string[] {
  const listed = Object.keys(readJson<Record<string, unknown>>(`terraform/${cloud}/permissions.json`));
  const used = moduleTypes(cloud);
  return [
    ...used.filter((t) => !listed.includes(t)).map((t) => `terraform/${cloud} uses ${t}, which terraform/${cloud}/permissions.json does not list`),
    ...listed.filter((t) => !used.includes(t)).map((t) => `terraform/${cloud}/permissions.json lists ${t}, which terraform/${cloud} does not use`),
  ];
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

// ---------------------------------------------------------------------------------------- AWS
interface AwsRule {
  sid: string;
  /** The actions it takes: listed, or matching. An action goes to the first rule that takes it. */
  actions?: string[];
  match?: RegExp;
  resource: string | string[];
  condition?: Record<string, Record<string, string | string[]>>;
}

const ROLE = 'arn:aws:iam::*:role/vintner-*';
/**
 * How the union is scoped. The module names IAM roles `vintner-…` (flow-log roles
 * `vintner-…-flowlog`, the only ones with an inline policy), tags everything `managed-by = vintner`
 * (default_tags), keeps its secrets under `vintner/` (RDS its own under `rds!`) and its log groups
 * under `/aws/eks/` and `/vintner/`.
 */
export const AWS_STATEMENTS: AwsRule[] = [
  { sid: 'PassVintnerRolesToEksAndFlowLogs', actions: ['iam:PassRole'], resource: ROLE, condition: { StringEquals: { 'iam:PassedToService': ['eks.amazonaws.com', 'vpc-flow-logs.amazonaws.com'] } } },
  {
    sid: 'AttachOnlyTheEksManagedPolicies',
    actions: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
    resource: ROLE,
    condition: {
      ArnEquals: {
        'iam:PolicyARN': ['arn:aws:iam::aws:policy/AmazonEKSClusterPolicy', 'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy', 'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy', 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly'],
      },
    },
  },
  {
    sid: 'ServiceLinkedRoles',
    actions: ['iam:CreateServiceLinkedRole'],
    resource: '*',
    condition: { StringEquals: { 'iam:AWSServiceName': ['eks.amazonaws.com', 'eks-nodegroup.amazonaws.com', 'autoscaling.amazonaws.com', 'rds.amazonaws.com', 'elasticache.amazonaws.com'] } },
  },
  { sid: 'InlinePolicyOnlyOnFlowLogRoles', actions: ['iam:DeleteRolePolicy', 'iam:GetRolePolicy', 'iam:PutRolePolicy'], resource: 'arn:aws:iam::*:role/vintner-*-flowlog' },
  { sid: 'OidcProvidersOfEks', match: /^iam:.*OpenIDConnectProvider/, resource: 'arn:aws:iam::*:oidc-provider/oidc.eks.*.amazonaws.com/id/*' },
  { sid: 'CreateVintnerRolesTagged', actions: ['iam:CreateRole'], resource: ROLE, condition: { StringEquals: { 'aws:RequestTag/managed-by': 'vintner' } } },
  { sid: 'VintnerRoles', match: /^iam:/, resource: ROLE },
  { sid: 'KmsThroughServices', match: /^kms:/, resource: '*', condition: { StringLike: { 'kms:ViaService': ['rds.*.amazonaws.com', 'secretsmanager.*.amazonaws.com', 'dynamodb.*.amazonaws.com'] } } },
  { sid: 'VintnerAndRdsSecrets', match: /^secretsmanager:/, resource: ['arn:aws:secretsmanager:*:*:secret:vintner/*', 'arn:aws:secretsmanager:*:*:secret:rds!*'] },
  {
    // Changes and deletions of what the module made (tagged by default_tags); creations, reads
    // and what acts on untaggable parts (security group rules, address associations) below.
    sid: 'Ec2ChangeOnlyWhatVintnerTagged',
    actions: [
      'ec2:CreateLaunchTemplateVersion', 'ec2:DeleteFlowLogs', 'ec2:DeleteInternetGateway', 'ec2:DeleteLaunchTemplate', 'ec2:DeleteNatGateway', 'ec2:DeleteRoute',
      'ec2:DeleteRouteTable', 'ec2:DeleteSecurityGroup', 'ec2:DeleteSubnet', 'ec2:DeleteTags', 'ec2:DeleteVpc', 'ec2:DetachInternetGateway', 'ec2:DisassociateRouteTable',
      'ec2:ModifyLaunchTemplate', 'ec2:ModifySubnetAttribute', 'ec2:ModifyVpcAttribute', 'ec2:ReleaseAddress', 'ec2:ReplaceRoute', 'ec2:ReplaceRouteTableAssociation',
    ],
    resource: '*',
    condition: { StringEquals: { 'aws:ResourceTag/managed-by': 'vintner' } },
  },
  { sid: 'Ec2', match: /^ec2:/, resource: '*' },
  { sid: 'EksAndFlowLogGroups', match: /^logs:(?!Describe)/, resource: ['arn:aws:logs:*:*:log-group:/aws/eks/*', 'arn:aws:logs:*:*:log-group:/vintner/*'] },
  { sid: 'LogsDescribe', match: /^logs:/, resource: '*' },
  { sid: 'Eks', match: /^eks:/, resource: '*' },
  { sid: 'Rds', match: /^rds:/, resource: '*' },
  { sid: 'ElastiCache', match: /^elasticache:/, resource: '*' },
  { sid: 'Route53', match: /^route53:/, resource: '*' },
  { sid: 'Sqs', match: /^sqs:/, resource: '*' },
  { sid: 'Sns', match: /^sns:/, resource: '*' },
  { sid: 'DynamoDb', match: /^dynamodb:/, resource: '*' },
  { sid: 'Ecr', match: /^ecr:/, resource: '*' },
];

export interface IamPolicy {
  Version: '2012-10-17';
  Statement: Array<{ Sid: string; Effect: 'Allow'; Action: string[]; Resource: string | string[]; Condition?: AwsRule['condition'] }>;
}

export function awsPolicy(perms: AwsPermissions = readJson('terraform/aws/permissions.json')): IamPolicy {
  const union = sorted(Object.values(perms).flat());
  const byRule = new Map<string, string[]>();
  for (const action of union) {
    const rule = AWS_STATEMENTS.find((r) => r.actions?.includes(action) || r.match?.test(action));
    if (!rule) throw new Error(`scripts/permissions.ts: no statement takes ${action} (from terraform/aws/permissions.json): add it to AWS_STATEMENTS`);
    byRule.set(rule.sid, [...(byRule.get(rule.sid) ?? []), action]);
  }
  return {
    Version: '2012-10-17',
    Statement: AWS_STATEMENTS.filter((r) => byRule.has(r.sid)).map((r) => ({
      Sid: r.sid,
      Effect: 'Allow',
      Action: byRule.get(r.sid)!,
      Resource: r.resource,
      ...(r.condition ? { Condition: r.condition } : {}),
    })),
  };
}

function awsSection(policy: IamPolicy): string {
  const json = JSON.stringify(policy, null, 2);
  const compact = json.replace(/\s+/g, '').length;
  const actions = policy.Statement.reduce((a, s) => a + s.Action.length, 0);
  return [
    `${actions} actions in ${policy.Statement.length} statements, ${compact.toLocaleString('en-US')} characters without whitespace (a customer managed policy holds 6,144, an inline policy 10,240): ${compact > 6144 ? 'attach it as a role’s inline policy, or split its statements over two managed policies' : 'it fits a customer managed policy'}. The same document is \`terraform/aws/iam-policy.json\`.`,
    '',
    '```json',
    json,
    '```',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------- GCP
/** A predefined role a broader one in the same list already grants: shown under the broader one. */
export const GCP_COVERED_BY: Record<string, string> = {
  'roles/compute.networkViewer': 'roles/compute.networkAdmin',
  'roles/dns.reader': 'roles/dns.admin',
  'roles/browser': 'roles/resourcemanager.projectIamAdmin',
  'roles/container.clusterAdmin': 'roles/container.admin',
  'roles/datastore.indexAdmin': 'roles/datastore.owner',
  'roles/pubsub.editor': 'roles/pubsub.admin',
};

function gcpSection(perms: GcpPermissions = readJson('terraform/gcp/permissions.json')): string {
  const union = sorted(Object.values(perms).flatMap((p) => p.permissions));
  const roles = new Map<string, string[]>();
  const all = new Set(Object.values(perms).flatMap((p) => p.roles));
  for (const [type, p] of Object.entries(perms)) {
    for (const r of p.roles) {
      const role = GCP_COVERED_BY[r] && all.has(GCP_COVERED_BY[r]) ? GCP_COVERED_BY[r] : r;
      roles.set(role, sorted([...(roles.get(role) ?? []), type]));
    }
  }
  const yaml = [
    'title: Vintner deployer (GCP target)',
    'description: What terraform/gcp needs to plan, apply and destroy every component kind (generated from terraform/gcp/permissions.json).',
    'stage: GA',
    'includedPermissions:',
    ...union.map((p) => `  - ${p}`),
  ].join('\n');
  return [
    `The union of the permissions in \`terraform/gcp/permissions.json\` — ${union.length} permissions — is the least-privilege custom role (\`vintner-deployer-role.yaml\`):`,
    '',
    '```yaml',
    yaml,
    '```',
    '',
    'Or the predefined roles each type names there (broader: each grants far more than the target uses); a narrower role that one of these already includes is folded into it:',
    '',
    '| role | for |',
    '|---|---|',
    ...sorted(roles.keys()).map((r) => `| \`${r}\` | ${roles.get(r)!.map((t) => `\`${t}\``).join(', ')} |`),
  ].join('\n');
}

// -------------------------------------------------------------------------------------- Azure
/** Key Vault's secret operations are data-plane: `DataActions` (`…/secrets/read` and `…/write` are Resource Manager's). */
const isDataAction = (op: string) => /^Microsoft\.KeyVault\/vaults\/secrets\/(delete|[A-Za-z]+\/action)$/.test(op);

export function azureRole(perms: AzurePermissions = readJson('terraform/azure/permissions.json')) {
  const union = sorted(Object.values(perms).flat());
  return {
    Name: 'Vintner Azure target',
    IsCustom: true,
    Description: "What Vintner's Terraform (terraform/azure) needs to plan, apply and destroy a vine: generated from terraform/azure/permissions.json.",
    Actions: union.filter((o) => !isDataAction(o)),
    NotActions: [] as string[],
    DataActions: union.filter(isDataAction),
    NotDataActions: [] as string[],
    AssignableScopes: ['/subscriptions/<subscription-id>'],
  };
}

function azureSection(): string {
  const role = azureRole();
  return [`${role.Actions.length} actions and ${role.DataActions.length} data actions:`, '', '```json', JSON.stringify(role, null, 2), '```'].join('\n');
}

// ------------------------------------------------------------------------------------- output
/** `doc` with its permissions section replaced by `body`. */
export function withSection(doc: string, body: string, path: string): string {
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${path} has no ${BEGIN} … ${END} section`);
  return `${doc.slice(0, a + BEGIN.length)}\n${body}\n${doc.slice(b)}`;
}

/** Every generated file: path (from the repository root) → its content. */
export function generate(): Record<string, string> {
  const problems = CLOUDS.flatMap(typeMismatches);
  if (problems.length) throw new Error(problems.join('\n'));
  const doc = (cloud: Cloud) => readFileSync(join(ROOT, `docs/clouds/${cloud}.md`), 'utf8');
  const policy = awsPolicy();
  return {
    'terraform/aws/iam-policy.json': `${JSON.stringify(policy, null, 2)}\n`,
    'docs/clouds/aws.md': withSection(doc('aws'), awsSection(policy), 'docs/clouds/aws.md'),
    'docs/clouds/gcp.md': withSection(doc('gcp'), gcpSection(), 'docs/clouds/gcp.md'),
    'docs/clouds/azure.md': withSection(doc('azure'), azureSection(), 'docs/clouds/azure.md'),
  };
}

/** The generated files that differ from what is committed. */
export function stale(files = generate()): string[] {
  return Object.entries(files)
    .filter(([path, content]) => {
      try {
        return readFileSync(join(ROOT, path), 'utf8') !== content;
      } catch {
        return true;
      }
    })
    .map(([path]) => path);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const files = generate();
    const changed = stale(files);
    if (process.argv.includes('--check')) {
      for (const p of changed) console.error(`${p} is stale: run npx tsx scripts/permissions.ts`);
      process.exit(changed.length ? 1 : 0);
    }
    for (const p of changed) writeFileSync(join(ROOT, p), files[p]!);
    console.log(changed.length ? `wrote ${changed.join(', ')}` : 'all up to date');
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
