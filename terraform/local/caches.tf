# caches: Caches. See ../CONTRACT.md.
variable "caches" {
  type    = any
  default = {}
}

locals {
  caches    = merge(var.caches)
  caches_rn = { for n, c in local.caches : n => try(c.resource_name, "${var.name_prefix}-cache-${n}") }
}
resource "terraform_data" "caches" {
  for_each   = local.caches
  input      = each.value
  depends_on = [terraform_data.network__ready]
}

# The sandbox's knobs (ready.sh): apply_delay_seconds and fail_components; replaced when the
# settings change, so the delay and the failure happen on updates too.
resource "terraform_data" "caches__ready" {
  for_each         = local.caches
  triggers_replace = { settings = sha256(jsonencode(each.value)), fail = contains(var.fail_components, "caches/${each.key}") }
  depends_on       = [terraform_data.caches]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = {
      VINTNER_COMPONENT     = "caches/${each.key}"
      VINTNER_RESOURCE_NAME = local.caches_rn[each.key]
      VINTNER_DELAY         = tostring(local.delay)
      VINTNER_FAIL          = tostring(contains(var.fail_components, "caches/${each.key}"))
    }
  }
}

output "caches" {
  description = "name → the component's outputs (the contract's keys)"
  value = {
    for k, c in local.caches : k => {
      id         = local.caches_rn[k]
      arn        = "${local.arn_prefix}:caches/${local.caches_rn[k]}"
      host       = "${local.caches_rn[k]}.cache.${local.dns_suffix}"
      port       = try(c.engine, "redis") == "memcached" ? 11211 : 6379
      endpoint   = "${local.caches_rn[k]}.cache.${local.dns_suffix}:${try(c.engine, "redis") == "memcached" ? 11211 : 6379}"
      url        = "${try(c.engine, "redis") == "memcached" ? "memcache" : "redis"}://${local.caches_rn[k]}.cache.${local.dns_suffix}:${try(c.engine, "redis") == "memcached" ? 11211 : 6379}"
      engine     = try(c.engine, null)
      node_type  = "cache.local.${try(c.size, "small")}"
      node_count = try(c.node_count, 1)
    }
  }
}
