# queues (+ dead-letter queues), topics.

resource "terraform_data" "queues__dlq" {
  for_each = { for k, c in local.queues : k => c if try(c.dead_letter, false) }
  input = {
    name                      = "${local.rn["queues/${each.key}"]}-dlq${try(each.value.fifo, false) ? ".fifo" : ""}"
    message_retention_seconds = 1209600
  }
}

resource "terraform_data" "queues" {
  for_each   = local.queues
  input      = each.value
  depends_on = [terraform_data.queues__dlq]
}

resource "terraform_data" "queues__ready" {
  for_each         = local.queues
  triggers_replace = local.ready_triggers["queues/${each.key}"]
  depends_on       = [terraform_data.queues]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = local.ready_env["queues/${each.key}"]
  }
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

resource "terraform_data" "topics__ready" {
  for_each         = local.topics
  triggers_replace = local.ready_triggers["topics/${each.key}"]
  depends_on       = [terraform_data.topics]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = local.ready_env["topics/${each.key}"]
  }
}
