# topics: Topics, fanning out to the vine's queues. See ../CONTRACT.md.
variable "topics" {
  type    = any
  default = {}
}

locals {
  topics    = merge(var.topics)
  topics_rn = { for n, c in local.topics : n => try(c.resource_name, "${var.name_prefix}-topic-${n}") }
}
resource "terraform_data" "topics" {
  for_each   = local.topics
  input      = each.value
  depends_on = [terraform_data.queues__ready]
  lifecycle {
    precondition {
      condition     = alltrue([for q in try(each.value.subscribe_queues, []) : contains(keys(local.queues), q)])
      error_message = "topics/${each.key} subscribes to queues that are not in this vine: ${join(", ", [for q in try(each.value.subscribe_queues, []) : q if !contains(keys(local.queues), q)])}."
    }
  }
}

# The sandbox's knobs (ready.sh): apply_delay_seconds and fail_components; replaced when the
# settings change, so the delay and the failure happen on updates too.
resource "terraform_data" "topics__ready" {
  for_each         = local.topics
  triggers_replace = { settings = sha256(jsonencode(each.value)), fail = contains(var.fail_components, "topics/${each.key}") }
  depends_on       = [terraform_data.topics]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = {
      VINTNER_COMPONENT     = "topics/${each.key}"
      VINTNER_RESOURCE_NAME = local.topics_rn[each.key]
      VINTNER_DELAY         = tostring(local.delay)
      VINTNER_FAIL          = tostring(contains(var.fail_components, "topics/${each.key}"))
    }
  }
}

output "topics" {
  description = "name → the component's outputs (the contract's keys)"
  value = {
    for k, c in local.topics : k => {
      name          = local.topics_rn[k]
      arn           = "${local.arn_prefix}:topics/${local.topics_rn[k]}${try(c.fifo, false) ? ".fifo" : ""}"
      subscriptions = [for q in try(c.subscribe_queues, []) : "${local.arn_prefix}:queues/${lookup(local.queue_names, q, q)}"]
    }
  }
}
