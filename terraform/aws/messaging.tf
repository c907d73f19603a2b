# queues: SQS with SQS-managed encryption, a dead-letter queue with a redrive policy when
# dead_letter, `.fifo` names when fifo, and a policy that refuses anything but TLS and lets the
# vine's subscribing topics send.
# topics: SNS encrypted with the AWS-managed key, one SQS subscription per subscribe_queues entry.
locals {
  queue_name = {
    for k, c in local.queues : k => "${local.name["queues/${k}"]["70"]}${try(c.fifo, false) ? ".fifo" : ""}"
  }
  queue_dlq_name = {
    for k, c in local.queues : k => "${local.name["queues/${k}"]["70"]}-dlq${try(c.fifo, false) ? ".fifo" : ""}"
  }
  queues_dead_letter = { for k, c in local.queues : k => c if try(c.dead_letter, false) }

  topic_name = {
    for k, c in local.topics : k => "${local.name["topics/${k}"]["63"]}${try(c.fifo, false) ? ".fifo" : ""}"
  }
  subscriptions = merge([
    for t, c in local.topics : { for q in coalesce(try(c.subscribe_queues, null), []) : "${t}/${q}" => { topic = t, queue = q } }
  ]...)
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

resource "aws_sns_topic" "topics" {
  for_each                    = local.topics
  name                        = local.topic_name[each.key]
  fifo_topic                  = try(each.value.fifo, false)
  content_based_deduplication = try(each.value.fifo, false) ? true : null
  kms_master_key_id           = "alias/aws/sns"

  lifecycle {
    precondition {
      condition = alltrue([
        for q in coalesce(try(each.value.subscribe_queues, null), []) : contains(keys(local.queues), q)
      ])
      error_message = "topics.${each.key}.subscribe_queues names a queue this vine does not have."
    }
    precondition {
      condition = alltrue([
        for q in coalesce(try(each.value.subscribe_queues, null), []) :
        try(local.queues[q].fifo, false) == try(each.value.fifo, false) if contains(keys(local.queues), q)
      ])
      error_message = "topics.${each.key}: a FIFO topic delivers to FIFO queues only, a standard topic to standard queues only."
    }
  }
}

resource "aws_sns_topic_subscription" "topics__subscription" {
  for_each  = { for key, s in local.subscriptions : key => s if contains(keys(local.queues), s.queue) }
  topic_arn = aws_sns_topic.topics[each.value.topic].arn
  protocol  = "sqs"
  endpoint  = aws_sqs_queue.queues[each.value.queue].arn
  # The queue must let the topic send before the first message.
  depends_on = [aws_sqs_queue_policy.queues]
}
