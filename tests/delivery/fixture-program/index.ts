// Fixture program for the preview-summary tests. Stage 1 is deployed with `pulumi up`; stage 2
// changes it so a preview shows a create, an in-place update, replacements forced by a
// property (a volume's name, a password's keepers, a container's secret envs) and the delete
// of a volume. Names derive from the stack so runs cannot collide on one Docker daemon.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";

const config = new pulumi.Config();
const stage = config.requireNumber("stage");
const image = config.require("image"); // a local image with `sleep` (no registry is reachable)
const prefix = `delivery-${pulumi.getStack()}`;

const password = new random.RandomPassword("db-password", {
  length: 20,
  special: false,
  keepers: { rotation: stage === 1 ? "1" : "2" },
});

const network = new docker.Network("net", { name: `${prefix}-net` });

const mysqlData = new docker.Volume("mysql-data", {
  name: stage === 1 ? `${prefix}-mysql-data` : `${prefix}-mysql-data-v2`,
});

if (stage === 1) {
  new docker.Volume("cache", { name: `${prefix}-cache` });
} else {
  new docker.Volume("uploads", { name: `${prefix}-uploads` });
}

const command = ["sleep", "infinity"];

// Stage 2 builds an image during preview, so the preview JSON carries real build output
// (which the summary must leave out). The classic builder uses local images without a registry.
if (stage === 2) {
  new docker.Image("fixture-image", {
    imageName: `${prefix}-image:2`,
    build: {
      context: new URL("./image", import.meta.url).pathname,
      args: { BASE: image },
      builderVersion: "BuilderV1",
    },
    buildOnPreview: true,
    skipPush: true,
  });
}

const mysql = new docker.Container("mysql", {
  name: `${prefix}-mysql`,
  image,
  command,
  envs: pulumi.secret(
    pulumi.interpolate`MYSQL_PASSWORD=${password.result}`.apply((e) => [
      "MYSQL_DATABASE=microblog",
      e,
    ]),
  ),
  memory: 256,
  restart: "unless-stopped",
  networksAdvanced: [{ name: network.name, aliases: ["mysql"] }],
  volumes: [{ volumeName: mysqlData.name, containerPath: "/var/lib/mysql" }],
});

const app = new docker.Container("app", {
  name: `${prefix}-app`,
  image,
  command,
  envs: ["ELASTICSEARCH_URL=http://elasticsearch:9200", "POSTS_PER_PAGE=25"],
  memory: stage === 1 ? 128 : 192,
  restart: "unless-stopped",
  networksAdvanced: [{ name: network.name, aliases: ["app"] }],
});

export const mysqlContainer = mysql.name;
export const appContainer = app.name;
export const dbPassword = password.result;
