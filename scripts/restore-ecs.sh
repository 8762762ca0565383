#!/usr/bin/env bash
# Restores the ecs stack's MySQL database from a dump in its backup bucket, then rebuilds the
# search index from it. One command:
#
#   bash scripts/restore-ecs.sh [--backup NAME] [--force] [--yes] [--dry-run] [--stack NAME]
#
# It reads the stack output `restore` (cluster, subnets, the restore task, the bucket, the app),
# lists the dumps in the bucket, takes the latest (or --backup NAME) and runs the restore task in
# check mode: inside the VPC it downloads the dump, verifies it is complete, counts users and
# posts and refuses when the database holds posts newer than the dump (--force: restore anyway).
# It shows that plan and asks (--yes: no question; --dry-run: stop after the plan). Then: pause
# the app's autoscaling and scale it to 0 (no writes during the load), run the restore task in
# restore mode, scale the app back and resume autoscaling, run the app's image once with
# `node dist/cli.js reindex` (after its migrations), and report users and posts before and after.
# The app comes back even when a step fails. Needs the AWS CLI v2 and Node.js on PATH, and
# credentials for the stack's account (ecs:RunTask/DescribeTasks/DescribeServices/UpdateService,
# iam:PassRole on the task roles, s3:ListBucket on the bucket, logs:GetLogEvents,
# application-autoscaling:RegisterScalableTarget). --outputs-file FILE reads the stack outputs
# from a JSON file instead of Pulumi (`pulumi stack output --json` written earlier).
# Exit codes: 0 done (or dry run), 1 failure, 2 usage, 3 refused (newer posts, no confirmation).
set -euo pipefail

STACK="${MICROBLOG_STACK:-ecs}"
TASK_TIMEOUT="${MICROBLOG_RESTORE_TASK_TIMEOUT:-3600}"
POLL="${MICROBLOG_RESTORE_POLL_SECONDS:-10}"

usage() {
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
}
SCRIPT=restore-ecs
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
restore_options "$@"
command -v aws >/dev/null || die "no aws on PATH: install the AWS CLI v2"
command -v node >/dev/null || die "no node on PATH"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
if [ -n "$OUTPUTS_FILE" ]; then
  cp "$OUTPUTS_FILE" "$WORK/outputs.json"
else
  command -v pulumi >/dev/null || die "no pulumi on PATH; pass --outputs-file FILE"
  pulumi stack output --stack "$STACK" --json >"$WORK/outputs.json" ||
    die "cannot read the outputs of stack $STACK"
fi

# json FILE EXPR: evaluates EXPR (JavaScript, `o` = the parsed file) and prints the result,
# one line per element of an array.
json() {
  node -e '
    const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const v = new Function("o", "return (" + process.argv[2] + ")")(o);
    if (v === undefined || v === null) process.exit(0);
    for (const x of Array.isArray(v) ? v : [v]) console.log(typeof x === "string" ? x : JSON.stringify(x));
  ' "$1" "$2"
}
out() { json "$WORK/outputs.json" "o.restore && o.restore.$1"; }
[ -n "$(out cluster)" ] || die "stack $STACK has no restore output: backups are off (config backups) or it is not deployed"
REGION="$(out region)"
CLUSTER="$(out cluster)"
BUCKET="$(out bucket)"
PREFIX="$(out prefix)"
APP_SERVICE="$(out app.service)"
APP_CONTAINER="$(out app.container)"

# call SERVICE OPERATION JSON: one AWS API call (parameters as the API names them), JSON out.
call() {
  aws "$1" "$2" --region "$REGION" --cli-input-json "$3" --output json
}
# req EXPR: a request body built in JavaScript from the outputs (`o.restore` as `r`) and `a`,
# the remaining arguments.
req() {
  local expr="$1"
  shift
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).restore;
    const a = process.argv.slice(3);
    console.log(JSON.stringify(new Function("r", "a", "return (" + process.argv[2] + ")")(r, a)));
  ' "$WORK/outputs.json" "$expr" "$@"
}

# ---- the dumps in the bucket
call s3api list-objects-v2 "$(req '({ Bucket: r.bucket, Prefix: r.prefix })')" >"$WORK/list.json"
DUMP_RE='^microblog-[0-9]{8}T[0-9]{6}Z\.sql\.gz$'
mapfile -t dumps < <(
  json "$WORK/list.json" '(o.Contents || []).map((c) => c.Key.slice('"${#PREFIX}"'))' |
    while read -r f; do if [[ "$f" =~ $DUMP_RE ]]; then echo "$f"; fi; done | sort
)
pick_backup "s3://$BUCKET/$PREFIX" "${dumps[@]}"

# run_task WHAT REQUEST-EXPR ARGS...: starts one Fargate task, waits until it stops, leaves its
# description in $WORK/WHAT.task.json and prints its task id.
run_task() {
  local what="$1" expr="$2"
  shift 2
  call ecs run-task "$(req "$expr" "$@")" >"$WORK/$what.run.json"
  local arn
  arn="$(json "$WORK/$what.run.json" 'o.tasks && o.tasks[0] && o.tasks[0].taskArn')"
  [ -n "$arn" ] || die "$what: ECS did not start the task: $(json "$WORK/$what.run.json" 'o.failures')"
  echo "    $what: task ${arn##*/} started; waiting until it stops" >&2
  local deadline=$(($(date +%s) + TASK_TIMEOUT)) status=""
  while :; do
    call ecs describe-tasks "$(req '({ cluster: r.cluster, tasks: [a[0]] })' "$arn")" >"$WORK/$what.task.json"
    status="$(json "$WORK/$what.task.json" 'o.tasks[0].lastStatus')"
    [ "$status" = STOPPED ] && break
    [ "$(date +%s)" -lt "$deadline" ] || die "$what: task ${arn##*/} still $status after ${TASK_TIMEOUT} s"
    sleep "$POLL"
  done
  echo "${arn##*/}"
}
# exit_code WHAT CONTAINER: the container's exit code ("" if it never ran).
exit_code() { json "$WORK/$1.task.json" "(o.tasks[0].containers.find((c) => c.name === '$2') || {}).exitCode"; }
# log_lines GROUP STREAM: the messages of one log stream.
log_lines() {
  call logs get-log-events "$(req '({ logGroupName: a[0], logStreamName: a[1], startFromHead: true })' "$1" "$2")" >"$WORK/log.json" || return 0
  json "$WORK/log.json" '(o.events || []).map((e) => e.message)'
}
task_failure() {
  json "$WORK/$1.task.json" '[o.tasks[0].stoppedReason].concat(o.tasks[0].containers.map((c) => c.name + " exit " + c.exitCode + (c.reason ? " (" + c.reason + ")" : "")))' | tr '\n' ';'
}

RESTORE_TASK='({
  cluster: r.cluster, taskDefinition: r.task.taskDefinition, launchType: "FARGATE", count: 1,
  startedBy: "restore-ecs",
  networkConfiguration: { awsvpcConfiguration: { subnets: r.subnets,
    securityGroups: [r.task.securityGroup], assignPublicIp: "DISABLED" } },
  overrides: { containerOverrides: ["download", "load"].map((name) => ({ name, environment: [
    { name: "RESTORE_NAME", value: a[0] }, { name: "RESTORE_MODE", value: a[1] },
    { name: "RESTORE_FORCE", value: a[2] }] })) } })'
LOAD_LOG_GROUP="$(out task.logGroup)"

# restore_task MODE: runs the restore task; sets LOAD_EXIT and LOAD_LOG.
restore_task() {
  local id
  id="$(run_task "$1" "$RESTORE_TASK" "$BACKUP" "$1" "$FORCE")"
  LOAD_EXIT="$(exit_code "$1" load)"
  LOAD_LOG="$(log_lines "$LOAD_LOG_GROUP" "restore-load/load/$id")"
  if [ -z "$LOAD_EXIT" ]; then
    log_lines "$LOAD_LOG_GROUP" "restore-download/download/$id" >&2
    die "$1: the dump could not be fetched: $(task_failure "$1")"
  fi
}
field() { sed -n "s/.*$1 before users=\([^ ]*\) posts=\([^ ]*\) newest=\([0-9]*\).*/\\$2/p" <<<"$LOAD_LOG" | tail -n 1; }
utc() { date -u -d "@$1" '+%Y-%m-%d %H:%M:%S UTC'; }

step "stack $STACK: checking $BACKUP against the database (restore task, check mode)"
restore_task check
if [ "$LOAD_EXIT" = 3 ]; then
  echo "$LOAD_LOG" >&2
  echo "restore-ecs: refused: the database holds posts newer than the backup; they would be lost. Pass --force to restore anyway." >&2
  exit 3
fi
[ "$LOAD_EXIT" = 0 ] || {
  echo "$LOAD_LOG" >&2
  die "check failed (load exit $LOAD_EXIT): $(task_failure check)"
}
users_before="$(field "$BACKUP" 1)"
posts_before="$(field "$BACKUP" 2)"
newest="$(field "$BACKUP" 3)"
echo "restore-ecs: stack $STACK (cluster ${CLUSTER##*/}, region $REGION)"
echo "  backup:   $BACKUP, ${#dumps[@]} available in s3://$BUCKET/$PREFIX"
if [ "${newest:-0}" -gt 0 ]; then
  echo "  now:      $users_before users, $posts_before posts, newest post $(utc "$newest")"
else
  echo "  now:      $users_before users, $posts_before posts"
fi
[ "$FORCE" = 1 ] && grep -q "forced" <<<"$LOAD_LOG" &&
  echo "  WARNING:  posts newer than the backup will be lost (--force)"
echo "  plan:     1. pause autoscaling of $APP_SERVICE and scale it to 0"
echo "            2. load $BACKUP (tables in the dump are replaced)"
echo "            3. scale $APP_SERVICE back, resume autoscaling"
echo "            4. rebuild the search index: node dist/cli.js reindex in a one-off app task"
if [ "$DRY_RUN" = 1 ]; then
  echo "restore-ecs: dry run, nothing changed"
  exit 0
fi
confirm "Restore $BACKUP into stack $STACK?"

started=$(date +%s)
SCALABLE='({ ServiceNamespace: "ecs", ResourceId: "service/" + r.cluster + "/" + r.app.service,
  ScalableDimension: "ecs:service:DesiredCount", SuspendedState: { DynamicScalingInSuspended: a[0] === "1",
  DynamicScalingOutSuspended: a[0] === "1", ScheduledScalingSuspended: a[0] === "1" } })'
describe_app() {
  call ecs describe-services "$(req '({ cluster: r.cluster, services: [r.app.service] })')" >"$WORK/app.json"
}
# wait_app COUNT: until the app service runs exactly COUNT tasks.
wait_app() {
  local deadline=$(($(date +%s) + TASK_TIMEOUT))
  while :; do
    describe_app
    [ "$(json "$WORK/app.json" 'o.services[0].runningCount')" = "$1" ] &&
      [ "$(json "$WORK/app.json" 'o.services[0].deployments.length')" = 1 ] && return 0
    [ "$(date +%s)" -lt "$deadline" ] || die "$APP_SERVICE did not reach $1 running tasks in ${TASK_TIMEOUT} s"
    sleep "$POLL"
  done
}
describe_app
desired="$(json "$WORK/app.json" 'o.services[0].desiredCount')"
app_back() {
  echo "    bringing $APP_SERVICE back to $desired tasks and resuming its autoscaling" >&2
  call ecs update-service "$(req '({ cluster: r.cluster, service: r.app.service, desiredCount: Number(a[0]) })' "$desired")" >/dev/null
  call application-autoscaling register-scalable-target "$(req "$SCALABLE" 0)" >/dev/null
}
step "pausing autoscaling of $APP_SERVICE and scaling it from $desired to 0"
call application-autoscaling register-scalable-target "$(req "$SCALABLE" 1)" >/dev/null
# From here on the app comes back whatever happens.
trap 'app_back || echo "restore-ecs: could not bring $APP_SERVICE back; scale it to $desired by hand" >&2; rm -rf "$WORK"' EXIT
call ecs update-service "$(req '({ cluster: r.cluster, service: r.app.service, desiredCount: 0 })')" >/dev/null
wait_app 0

step "loading $BACKUP (restore task, restore mode)"
restore_task restore
[ "$LOAD_EXIT" = 0 ] || {
  echo "$LOAD_LOG" >&2
  die "the load failed (exit $LOAD_EXIT): $(task_failure restore); the database may be partly restored, run this again"
}
users_after="$(sed -n "s/.*$BACKUP after users=\([^ ]*\) posts=\([^ ]*\).*/\1/p" <<<"$LOAD_LOG")"
posts_after="$(sed -n "s/.*$BACKUP after users=\([^ ]*\) posts=\([^ ]*\).*/\2/p" <<<"$LOAD_LOG")"

step "scaling $APP_SERVICE back to $desired and resuming autoscaling"
app_back
trap 'rm -rf "$WORK"' EXIT
wait_app "$desired"

step "rebuilding the search index (one-off app task: node dist/cli.js reindex)"
REINDEX_TASK='({
  cluster: r.cluster, taskDefinition: r.app.taskDefinition, launchType: "FARGATE", count: 1,
  startedBy: "restore-ecs",
  networkConfiguration: { awsvpcConfiguration: { subnets: r.subnets,
    securityGroups: [r.app.securityGroup], assignPublicIp: "DISABLED" } },
  overrides: { containerOverrides: [{ name: r.app.container,
    command: ["node", "dist/cli.js", "reindex"] }] } })'
id="$(run_task reindex "$REINDEX_TASK")"
rc="$(exit_code reindex "$APP_CONTAINER")"
log_lines "$(out app.logGroup)" "$APP_CONTAINER/$APP_CONTAINER/$id" | sed 's/^/    /'
[ "$rc" = 0 ] || die "reindex failed (exit ${rc:-none}): $(task_failure reindex); the database is restored, the search index is not: run this step again"

echo "restore-ecs: restored $BACKUP in $(($(date +%s) - started)) s"
echo "  users: $users_before -> $users_after"
echo "  posts: $posts_before -> $posts_after"
