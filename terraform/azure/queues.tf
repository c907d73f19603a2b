# queues: Service Bus queue in the vine's namespace (main.tf). fifo → sessions (ordered per session
# id); visibility_timeout_seconds → lock duration, clamped to Azure's 5 s – 5 min;
# message_retention_seconds → default message TTL; dead_letter → a "<queue>-dlq" queue that
# receives the queue's dead letters (messages delivered 10 times or expired), kept 14 days.

variable "queues" {
  type    = any
  default = {}
}

locals {
  queues = merge(var.queues)
  # Seconds → the ISO 8601 duration Azure returns (P1DT2H3M4S), so plans stay clean.
  queue_lock = { for k, c in local.queues : k => min(max(try(c.visibility_timeout_seconds, 30), 5), 300) }
  queue_ttl  = { for k, c in local.queues : k => max(try(c.message_retention_seconds, 1209600), 60) }
  durations = {
    for id, s in merge(
      { for k, v in local.queue_lock : "lock/${k}" => v },
      { for k, v in local.queue_ttl : "ttl/${k}" => v },
      { "dlq" = 1209600 },
      ) : id => join("", [
        "P",
        floor(s / 86400) > 0 ? "${floor(s / 86400)}D" : "",
        s % 86400 > 0 ? "T" : "",
        floor(s % 86400 / 3600) > 0 ? "${floor(s % 86400 / 3600)}H" : "",
        floor(s % 3600 / 60) > 0 ? "${floor(s % 3600 / 60)}M" : "",
        s % 60 > 0 ? "${s % 60}S" : "",
    ])
  }
}

resource "azurerm_servicebus_queue" "queues__dlq" {
  for_each            = { for k, c in local.queues : k => c if try(c.dead_letter, false) }
  name                = "${local.rn["queues/${each.key}"]}-dlq"
  namespace_id        = azurerm_servicebus_namespace.vine[0].id
  default_message_ttl = local.durations["dlq"]
  lock_duration       = "PT1M"
  max_delivery_count  = 10
}

resource "azurerm_servicebus_queue" "queues" {
  for_each                             = local.queues
  name                                 = local.rn["queues/${each.key}"]
  namespace_id                         = azurerm_servicebus_namespace.vine[0].id
  requires_session                     = try(each.value.fifo, false)
  lock_duration                        = local.durations["lock/${each.key}"]
  default_message_ttl                  = local.durations["ttl/${each.key}"]
  max_delivery_count                   = 10
  dead_lettering_on_message_expiration = try(each.value.dead_letter, false)
  forward_dead_lettered_messages_to    = try(azurerm_servicebus_queue.queues__dlq[each.key].name, null)
}

output "queues" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); `arn` is the Azure resource id; nothing secret."
  value = {
    for k, c in local.queues : k => {
      name            = azurerm_servicebus_queue.queues[k].name
      arn             = azurerm_servicebus_queue.queues[k].id
      url             = "${local.servicebus_url}/${azurerm_servicebus_queue.queues[k].name}"
      fifo            = try(c.fifo, false)
      dead_letter_arn = try(azurerm_servicebus_queue.queues__dlq[k].id, null)
    }
  }
}
