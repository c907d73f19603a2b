# queues: Queues (+ a dead-letter queue when dead_letter). See ../CONTRACT.md.
variable "queues" {
  type    = any
  default = {}
}

locals {
  queues      = merge(var.queues)
  queues_rn   = { for n, c in local.queues : n => try(c.resource_name, "${var.name_prefix}-q-${n}") }
  queue_names = { for k, c in local.queues : k => "${local.queues_rn[k]}${try(c.fifo, false) ? ".fifo" : ""}" }
}
resource "terraform_data" "queues__dlq" {
  for_each = { for k, c in local.queues : k => c if try(c.dead_letter, false) }
  input = {
    name                      = "${local.queues_rn[each.key]}-dlq${try(each.value.fifo, false) ? ".fifo" : ""}"
    message_retention_seconds = 1209600
  }
}
resource "terraform_data" "queues" {
  for_each   = local.queues
  input      = each.value
  depends_on = [terraform_data.queues__dlq]
}

# The sandbox's knobs (ready.sh): apply_delay_seconds and fail_components; replaced when the
# settings change, so the delay and the failure happen on updates too.
resource "terraform_data" "queues__ready" {
  for_each         = local.queues
  triggers_replace = { settings = sha256(jsonencode(each.value)), fail = contains(var.fail_components, "queues/${each.key}") }
  depends_on       = [terraform_data.queues]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = {
      VINTNER_COMPONENT     = "queues/${each.key}"
      VINTNER_RESOURCE_NAME = local.queues_rn[each.key]
      VINTNER_DELAY         = tostring(local.delay)
      VINTNER_FAIL          = tostring(contains(var.fail_components, "queues/${each.key}"))
    }
  }
}

output "queues" {
  description = "name → the component's outputs (the contract's keys)"
  value = {
    for k, c in local.queues : k => {
      name            = local.queue_names[k]
      arn             = "${local.arn_prefix}:queues/${local.queue_names[k]}"
      url             = "https://queue.${local.dns_suffix}/${local.account_id}/${local.queue_names[k]}"
      fifo            = try(c.fifo, false)
      dead_letter_arn = try(c.dead_letter, false) ? "${local.arn_prefix}:queues/${terraform_data.queues__dlq[k].output.name}" : null
    }
  }
}
