# queues: Pub/Sub. A queue is a pull subscription (the queue: what consumers read) on its own topic
# (the queue's address: what producers publish to; same name). fifo → message ordering and
# exactly-once delivery; visibility_timeout_seconds → the ack deadline (10–600 s);
# message_retention_seconds → the subscription's retention (10 min – 31 days). dead_letter → a
# dead-letter topic with its own subscription (kept 31 days) after 5 failed deliveries.
# A vine topic that subscribe_queues a queue feeds it through a subscription of its own, with the
# queue's settings (topics.tf).

variable "queues" {
  type    = any
  default = {}
}

locals {
  queues             = merge(var.queues)
  dead_letter_queues = { for k, c in local.queues : k => c if try(c.dead_letter, false) }

  queue_settings = {
    for k, c in local.queues : k => {
      fifo         = try(c.fifo, false)
      ack_deadline = min(600, max(10, try(c.visibility_timeout_seconds, 30)))
      retention    = "${min(2678400, max(600, try(c.message_retention_seconds, 345600)))}s"
      dead_letter  = try(c.dead_letter, false)
    }
  }
  # The Pub/Sub service agent publishes dead letters and acknowledges the original messages.
  pubsub_service_agent = try("serviceAccount:service-${data.google_project.current[0].number}@gcp-sa-pubsub.iam.gserviceaccount.com", null)
}

resource "google_pubsub_topic" "queues__topic" {
  for_each = local.queues
  name     = local.pubsub_name["queues/${each.key}"]
  labels   = local.component_labels["queues/${each.key}"]

  message_storage_policy {
    allowed_persistence_regions = [var.region]
  }
}

resource "google_pubsub_topic" "queues__dlq" {
  for_each = local.dead_letter_queues
  name     = "${local.pubsub_name["queues/${each.key}"]}-dlq"
  labels   = local.component_labels["queues/${each.key}"]

  message_storage_policy {
    allowed_persistence_regions = [var.region]
  }
}

# Dead letters are only kept when a subscription holds them.
resource "google_pubsub_subscription" "queues__dlq" {
  for_each                   = local.dead_letter_queues
  name                       = "${local.pubsub_name["queues/${each.key}"]}-dlq"
  topic                      = google_pubsub_topic.queues__dlq[each.key].id
  ack_deadline_seconds       = 60
  message_retention_duration = "2678400s"
  labels                     = local.component_labels["queues/${each.key}"]

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "queues" {
  for_each                     = local.queues
  name                         = local.pubsub_name["queues/${each.key}"]
  topic                        = google_pubsub_topic.queues__topic[each.key].id
  ack_deadline_seconds         = local.queue_settings[each.key].ack_deadline
  message_retention_duration   = local.queue_settings[each.key].retention
  retain_acked_messages        = false
  enable_message_ordering      = local.queue_settings[each.key].fifo
  enable_exactly_once_delivery = local.queue_settings[each.key].fifo
  labels                       = local.component_labels["queues/${each.key}"]

  # Never deleted for inactivity (Pub/Sub's default is 31 days).
  expiration_policy {
    ttl = ""
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dynamic "dead_letter_policy" {
    for_each = local.queue_settings[each.key].dead_letter ? [1] : []
    content {
      dead_letter_topic     = google_pubsub_topic.queues__dlq[each.key].id
      max_delivery_attempts = 5
    }
  }
}

resource "google_pubsub_topic_iam_member" "queues__dlq" {
  for_each = local.dead_letter_queues
  topic    = google_pubsub_topic.queues__dlq[each.key].id
  role     = "roles/pubsub.publisher"
  member   = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "queues__dlq" {
  for_each     = local.dead_letter_queues
  subscription = google_pubsub_subscription.queues[each.key].id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

output "queues" {
  description = "\"<name>\" → the queue's outputs (terraform/CONTRACT.md): arn is the subscription consumers pull, url the topic producers publish to."
  value = {
    for k, c in local.queues : k => {
      name            = google_pubsub_subscription.queues[k].name
      arn             = google_pubsub_subscription.queues[k].id
      url             = "https://pubsub.googleapis.com/v1/${google_pubsub_topic.queues__topic[k].id}:publish"
      fifo            = local.queue_settings[k].fifo
      dead_letter_arn = local.queue_settings[k].dead_letter ? google_pubsub_topic.queues__dlq[k].id : null
    }
  }
}
