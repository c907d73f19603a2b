# queues and topics: one Service Bus namespace per vine (Standard: queues, topics, sessions,
# dead-lettering and auto-forwarding; Premium's private endpoints and isolation cost ~$677 a month per
# messaging unit, see docs/clouds/azure.md). Access with Entra ID only (shared access keys off),
# TLS 1.2.
#
# queues: Service Bus queue. fifo → sessions (ordered per session id); visibility_timeout_seconds →
# lock duration, clamped to Azure's 5 s – 5 min; message_retention_seconds → default message TTL;
# dead_letter → a "<queue>-dlq" queue that receives the queue's dead letters (messages delivered 10
# times or expired), kept 14 days.
# topics: Service Bus topic (fifo → support ordering) with one subscription per subscribe_queues
# entry, forwarding every message to that queue.
locals {
  messaging = length(local.queues) + length(local.topics) > 0

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
  topic_subscriptions = merge([
    for t, c in local.topics : { for q in try(c.subscribe_queues, []) : "${t}/${q}" => { topic = t, queue = q } }
  ]...)
  servicebus_url = try(trimsuffix(trimsuffix(azurerm_servicebus_namespace.vine[0].endpoint, "/"), ":443"), null)
}

resource "azurerm_servicebus_namespace" "vine" {
  count                         = local.messaging ? 1 : 0
  name                          = "${replace(substr(var.name_prefix, 0, 36), "/-+$/", "")}-bus-${local.uniq_vine}"
  location                      = azurerm_resource_group.vine.location
  resource_group_name           = azurerm_resource_group.vine.name
  sku                           = "Standard"
  local_auth_enabled            = false
  minimum_tls_version           = "1.2"
  public_network_access_enabled = true
  tags                          = local.tags
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
