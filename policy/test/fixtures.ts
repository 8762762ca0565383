// Passing resources, shaped like what the program registers; failing cases derive from these
// by changing one field.
export const DOCKER = "docker:index/container:Container";
export const TASKDEF = "aws:ecs/taskDefinition:TaskDefinition";

const GENERATED = "q9V!x2Lr8Zp0Wc4Tb7Ye"; // 20 characters, like a RandomPassword result

/** The app container on the dev stack. */
export const dockerApp = {
  name: "dev-app",
  image: "sha256:3f1c0c0e5b8a1f5d2e9a7c4b6d8e0f1a2b3c4d5e6f708192a3b4c5d6e7f80912",
  user: "1000:1000",
  envs: [
    "ELASTICSEARCH_URL=http://elasticsearch:9200",
    `SECRET_KEY=${GENERATED}`,
    `DATABASE_URL=mysql+pymysql://microblog:${GENERATED}@mysql/microblog`,
  ],
  memory: 512,
  healthcheck: { tests: ["CMD", "node", "healthcheck.js"] },
  restart: "unless-stopped",
  privileged: false,
  ports: [{ internal: 5000, external: 8000, ip: "127.0.0.1" }],
};

/** The MySQL container on the dev stack. */
export const dockerMysql = {
  name: "dev-mysql",
  image: "sha256:9d2a5c7e1b3f4a6c8e0d2b4f6a8c0e2d4b6f8a0c2e4d6b8f0a2c4e6d8b0f2a4c",
  envs: [
    "MYSQL_RANDOM_ROOT_PASSWORD=yes",
    "MYSQL_DATABASE=microblog",
    `MYSQL_PASSWORD=${GENERATED}`,
  ],
  memory: 1024,
  healthcheck: { tests: ["CMD", "mysqladmin", "ping"] },
  restart: "unless-stopped",
  volumes: [{ volumeName: "dev-mysql-data", containerPath: "/var/lib/mysql" }],
  ports: [{ internal: 3306, external: 13306, ip: "127.0.0.1" }],
};

/** One ECS container definition of the app. */
export const ecsAppContainer = {
  name: "app",
  image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/microblog@sha256:" + "a".repeat(64),
  user: "1000",
  essential: true,
  memory: 512,
  environment: [{ name: "ELASTICSEARCH_URL", value: "http://elasticsearch.microblog.local:9200" }],
  secrets: [
    {
      name: "SECRET_KEY",
      valueFrom: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sk-AbCdEf",
    },
    {
      name: "DATABASE_URL",
      valueFrom: "arn:aws:ssm:eu-west-1:123456789012:parameter/microblog/db",
    },
  ],
  healthCheck: { command: ["CMD", "node", "healthcheck.js"] },
  logConfiguration: { logDriver: "awslogs" },
};

/** The MySQL ECS container, data on EFS. */
export const ecsMysqlContainer = {
  name: "mysql",
  image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mysql:8.4.3",
  essential: true,
  memory: 1024,
  environment: [{ name: "MYSQL_DATABASE", value: "microblog" }],
  secrets: [{ name: "MYSQL_PASSWORD", valueFrom: "arn:aws:secretsmanager:eu-west-1:1:secret:db" }],
  healthCheck: { command: ["CMD-SHELL", "mysqladmin ping"] },
  logConfiguration: { logDriver: "awslogs" },
  mountPoints: [{ sourceVolume: "mysql-data", containerPath: "/var/lib/mysql" }],
};

/** Task definition props around the given containers (JSON string, as the provider takes it). */
export function taskDef(
  containers: object[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    family: "microblog",
    memory: "1024",
    containerDefinitions: JSON.stringify(containers),
    volumes: [
      {
        name: "mysql-data",
        efsVolumeConfiguration: { fileSystemId: "fs-1", transitEncryption: "ENABLED" },
      },
    ],
    ...extra,
  };
}
