# queues: SQS with SQS-managed encryption, a dead-letter queue with a redrive policy when
# dead_letter, `.fifo` names when fifo, and a policy that refuses anything but TLS and lets the
# vine's subscribing topics (topics.tf) send.

variable "queues" {
  type    = any
  default = {}
}

locals {
  queues = merge(var.queues)
  queue_name = {
    for k, c in local.queues : k => "${local.name["queues/${k}"]["70"]}${try(c.fifo, false) ? ".fifo" : ""}"
  }
  queue_dlq_name = {
    for k, c in local.queues : k => "${local.name["queues/${k}"]["70"]}-dlq${try(c.fifo, false) ? ".fifo" : ""}"
  }
  queues_dead_letter = { for k, c in local.queues : k => c if try(c.dead_letter, false) }
  # Each queue's subscribing topics: one queue policy lists them all.
  queue_topics = { for k, c in local.queues : k => [for s in local.subscriptions : s.topic if s.queue == k] }
}

resource "aws_sqs_queue" "queues__dlq" {
  for_each                    = local.queues_dead_letter
  name                        = local.queue_dlq_name[each.key]
  fifo_queue                  = try(each.value.fifo, false)
  content_based_deduplication = try(each.value.fifo, false) ? true : null
  message_retention_seconds   = 1209600 # the maximum: time to look at what failed
  sqs_managed_sse_enabled     = true
}

resource "aws_sqs_queue" "queues" {
  for_each                    = local.queues
  name                        = local.queue_name[each.key]
  fifo_queue                  = try(each.value.fifo, false)
  content_based_deduplication = try(each.value.fifo, false) ? true : null
  visibility_timeout_seconds  = try(each.value.visibility_timeout_seconds, 30)
  message_retention_seconds   = try(each.value.message_retention_seconds, 345600)
  sqs_managed_sse_enabled     = true
  redrive_policy = try(each.value.dead_letter, false) ? jsonencode({
    deadLetterTargetArn = aws_sqs_queue.queues__dlq[each.key].arn
    maxReceiveCount     = 5
  }) : null
}

# Only its own queue may send to a dead-letter queue.
resource "aws_sqs_queue_redrive_allow_policy" "queues__dlq" {
  for_each  = local.queues_dead_letter
  queue_url = aws_sqs_queue.queues__dlq[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.queues[each.key].arn]
  })
}

data "aws_iam_policy_document" "queues" {
  for_each = local.queues
  statement {
    sid       = "DenyWithoutTLS"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.queues[each.key].arn]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
  dynamic "statement" {
    for_each = length(local.queue_topics[each.key]) > 0 ? [1] : []
    content {
      sid       = "AllowVineTopics"
      actions   = ["sqs:SendMessage"]
      resources = [aws_sqs_queue.queues[each.key].arn]
      principals {
        type        = "Service"
        identifiers = ["sns.amazonaws.com"]
      }
      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = [for t in local.queue_topics[each.key] : aws_sns_topic.topics[t].arn]
      }
    }
  }
}

resource "aws_sqs_queue_policy" "queues" {
  for_each  = local.queues
  queue_url = aws_sqs_queue.queues[each.key].id
  policy    = data.aws_iam_policy_document.queues[each.key].json
}

output "queues" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); nothing secret."
  value = {
    for k, c in local.queues : k => {
      name            = aws_sqs_queue.queues[k].name
      arn             = aws_sqs_queue.queues[k].arn
      url             = aws_sqs_queue.queues[k].url
      fifo            = try(c.fifo, false)
      dead_letter_arn = try(c.dead_letter, false) ? aws_sqs_queue.queues__dlq[k].arn : null
    }
  }
}
