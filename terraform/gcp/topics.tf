# topics: a Pub/Sub topic. Each queue it subscribe_queues gets a subscription on this topic named
# "<topic>-<queue>", with the queue's settings (ack deadline, retention, ordering, dead-letter
# topic): messages published to the topic reach the queue's consumers there, beside the queue's own
# subscription (queues.tf). fifo → ordered delivery on those subscriptions.

variable "topics" {
  type    = any
  default = {}
}

locals {
  topics = merge(var.topics)
  topic_subscriptions = merge([
    for t, c in local.topics : {
      for q in try(c.subscribe_queues, []) : "${t}/${q}" => {
        topic = t
        queue = q
        name  = "${local.pubsub_name["topics/${t}"]}-${q}"
        fifo  = try(c.fifo, false) || try(local.queue_settings[q].fifo, false)
      } if contains(keys(local.queues), q)
    }
  ]...)
}

resource "google_pubsub_topic" "topics" {
  for_each = local.topics
  name     = local.pubsub_name["topics/${each.key}"]
  labels   = local.component_labels["topics/${each.key}"]

  message_storage_policy {
    allowed_persistence_regions = [var.region]
  }

  lifecycle {
    precondition {
      condition     = alltrue([for q in try(each.value.subscribe_queues, []) : contains(keys(local.queues), q)])
      error_message = "topics/${each.key} subscribes to queues that are not in this vine: ${join(", ", [for q in try(each.value.subscribe_queues, []) : q if !contains(keys(local.queues), q)])}."
    }
  }
}

resource "google_pubsub_subscription" "topics__subscription" {
  for_each                     = local.topic_subscriptions
  name                         = each.value.name
  topic                        = google_pubsub_topic.topics[each.value.topic].id
  ack_deadline_seconds         = local.queue_settings[each.value.queue].ack_deadline
  message_retention_duration   = local.queue_settings[each.value.queue].retention
  retain_acked_messages        = false
  enable_message_ordering      = each.value.fifo
  enable_exactly_once_delivery = local.queue_settings[each.value.queue].fifo
  labels                       = local.component_labels["topics/${each.value.topic}"]

  expiration_policy {
    ttl = ""
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dynamic "dead_letter_policy" {
    for_each = local.queue_settings[each.value.queue].dead_letter ? [1] : []
    content {
      dead_letter_topic     = google_pubsub_topic.queues__dlq[each.value.queue].id
      max_delivery_attempts = 5
    }
  }
}

resource "google_pubsub_subscription_iam_member" "topics__subscription" {
  for_each     = { for k, s in local.topic_subscriptions : k => s if local.queue_settings[s.queue].dead_letter }
  subscription = google_pubsub_subscription.topics__subscription[each.key].id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

output "topics" {
  description = "\"<name>\" → the topic's outputs (terraform/CONTRACT.md): subscriptions are the ones feeding the vine's queues."
  value = {
    for k, c in local.topics : k => {
      name          = google_pubsub_topic.topics[k].name
      arn           = google_pubsub_topic.topics[k].id
      subscriptions = [for key, s in local.topic_subscriptions : google_pubsub_subscription.topics__subscription[key].id if s.topic == k]
    }
  }
}
