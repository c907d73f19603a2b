/**
 * How a pool's in-account Tendrils are deployed (DEPLOY_WORKER, terraform/tendril-aws): the one
 * declaration of the settings a request may give, snake_case like the module's variables. Nothing
 * secret: the settings are stored with the job (`params`) and shown in its answer. A setting left
 * out keeps the value of the pool's last successful deployment, else the module's default; `image`
 * and `trellis_url` fall back to the server's TENDRIL_IMAGE and TRELLIS_PUBLIC_URL (else the
 * address the request came to).
 */
import { Type, type Static } from '@sinclair/typebox';

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Boolean>>(s: T) => Type.Union([s, Type.Null()]);

export const TRELLIS_URL_PATTERN = '^https?://[^/\\s?#]+(/[^\\s?#]*)?$';

export const WorkerSettingsSchema = Type.Object(
  {
    image: Type.Optional(Type.String({ minLength: 1, maxLength: 512, pattern: '^\\S+$', description: 'an image reference such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/vintner-tendril:0.1.0' })),
    trellis_url: Type.Optional(Type.String({ maxLength: 2048, pattern: TRELLIS_URL_PATTERN, description: 'an http(s) URL such as https://vintner.example.com' })),
    cpu: Type.Optional(Type.Union([256, 512, 1024, 2048, 4096, 8192, 16384].map((n) => Type.Literal(n)), { description: 'Fargate CPU units' })),
    memory: Type.Optional(Type.Integer({ minimum: 512, maximum: 122880, description: 'MiB; a size Fargate offers for the cpu' })),
    cpu_architecture: Type.Optional(Type.Union([Type.Literal('X86_64'), Type.Literal('ARM64')])),
    desired_count: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 16, description: 'jobs one Tendril task runs at once' })),
    cluster_arn: Type.Optional(Nullable(Type.String({ maxLength: 2048, pattern: '^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\\d{12}:cluster/[A-Za-z0-9_-]+$', description: 'an ECS cluster ARN' }))),
    subnet_ids: Type.Optional(Type.Array(Type.String({ pattern: '^subnet-[0-9a-f]+$', description: 'a subnet id such as subnet-0123456789abcdef0' }), { maxItems: 16, uniqueItems: true })),
    security_group_ids: Type.Optional(Type.Array(Type.String({ pattern: '^sg-[0-9a-f]+$', description: 'a security group id such as sg-0123456789abcdef0' }), { maxItems: 5, uniqueItems: true })),
    assign_public_ip: Type.Optional(Nullable(Type.Boolean())),
    log_retention_days: Type.Optional(
      Type.Union([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653].map((n) => Type.Literal(n))),
    ),
  },
  { additionalProperties: false, title: 'WorkerSettings' },
);
export type WorkerSettings = Static<typeof WorkerSettingsSchema>;

/**
 * What a DEPLOY_WORKER / DESTROY_WORKER job stores: the settings, with the image and Trellis's URL
 * always set, and the identity's region when the job was created (a later job's must match it
 * while the Tendrils stand).
 */
export type ResolvedWorkerSettings = WorkerSettings & { image: string; trellis_url: string; region?: string };
