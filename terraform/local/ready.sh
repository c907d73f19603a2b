#!/bin/sh
# A component's "ready" step (terraform_data.<kind>__ready): the test knobs of the local target.
# The delay is one-second sleeps with their output detached, so that when Terraform stops the
# provisioner (SIGINT: graceful stop) nothing keeps its output pipe open and the apply ends at once.
set -eu
if [ "$VINTNER_DELAY" -gt 0 ]; then
  echo "$VINTNER_COMPONENT: provisioning $VINTNER_RESOURCE_NAME for $VINTNER_DELAY s (apply_delay_seconds)"
  i=0
  while [ "$i" -lt "$VINTNER_DELAY" ]; do
    sleep 1 </dev/null >/dev/null 2>&1
    i=$((i + 1))
  done
fi
if [ "$VINTNER_FAIL" = "true" ]; then
  echo "$VINTNER_COMPONENT: $VINTNER_RESOURCE_NAME failed on purpose (listed in fail_components)" >&2
  exit 1
fi
echo "$VINTNER_COMPONENT: $VINTNER_RESOURCE_NAME is ready"
