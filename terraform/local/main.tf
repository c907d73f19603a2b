# What every kind's file shares. Resource naming rule (src/terraform/ maps Terraform events back to
# components by it; see ../CONTRACT.md): everything belonging to component <kind>/<name> is
# terraform_data.<kind>["<name>"] or terraform_data.<kind>__<part>["<name>"], for_each keyed by the
# component name — singletons too.
#
# Every component is two resources at least:
#   <kind>["name"]         the component itself; its settings are its `input`, so a settings change
#                          is an in-place update;
#   <kind>__ready["name"]  runs after it (a local-exec: the test knobs apply_delay_seconds and
#                          fail_components); replaced when the settings change, so the delay and the
#                          failure happen on updates too. Other kinds depend on it ("ready").
locals {
  arn_prefix = "arn:vintner:local:${var.stage}:${var.name_prefix}"
  dns_suffix = "${var.stage}.vintner.local"
  account_id = "000000000000"
  delay      = floor(var.apply_delay_seconds)
}
