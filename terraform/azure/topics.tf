# topics: Service Bus topic in the vine's namespace (main.tf) (fifo → support ordering) with one
# subscription per subscribe_queues entry, forwarding every message to that queue.

variable "topics" {
  type    = any
  default = {}
}

locals {
  topics = merge(var.topics)
  topic_subscriptions = merge([
    for t, c in local.topics : { for q in try(c.subscribe_queues, []) : "${t}/${q}" => { topic = t, queue = q } }
  ]...)
}

resource "azurerm_servicebus_topic" "topics" {
  for_each         = local.topics
  name             = local.rn["topics/${each.key}"]
  namespace_id     = azurerm_servicebus_namespace.vine[0].id
  support_ordering = try(each.value.fifo, false)

  lifecycle {
    precondition {
      condition     = alltrue([for q in try(each.value.subscribe_queues, []) : contains(keys(local.queues), q)])
      error_message = "topics/${each.key} subscribes to queues that are not in this vine: ${join(", ", [for q in try(each.value.subscribe_queues, []) : q if !contains(keys(local.queues), q)])}."
    }
  }
}

resource "azurerm_servicebus_subscription" "topics__subscription" {
  for_each                             = { for id, s in local.topic_subscriptions : id => s if contains(keys(local.queues), s.queue) }
  name                                 = substr(each.value.queue, 0, 50)
  topic_id                             = azurerm_servicebus_topic.topics[each.value.topic].id
  forward_to                           = azurerm_servicebus_queue.queues[each.value.queue].name
  max_delivery_count                   = 10
  dead_lettering_on_message_expiration = true
}

output "topics" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); `arn` is the Azure resource id; nothing secret."
  value = {
    for k, c in local.topics : k => {
      name          = azurerm_servicebus_topic.topics[k].name
      arn           = azurerm_servicebus_topic.topics[k].id
      subscriptions = [for q in try(c.subscribe_queues, []) : azurerm_servicebus_subscription.topics__subscription["${k}/${q}"].id if contains(keys(local.queues), q)]
    }
  }
}
