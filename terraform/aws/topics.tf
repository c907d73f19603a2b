# topics: SNS encrypted with the AWS-managed key, one SQS subscription per subscribe_queues entry
# (the queue's policy lets the topic send: queues.tf).

variable "topics" {
  type    = any
  default = {}
}

locals {
  topics = merge(var.topics)
  topic_name = {
    for k, c in local.topics : k => "${local.name["topics/${k}"]["63"]}${try(c.fifo, false) ? ".fifo" : ""}"
  }
  subscriptions = merge([
    for t, c in local.topics : { for q in coalesce(try(c.subscribe_queues, null), []) : "${t}/${q}" => { topic = t, queue = q } }
  ]...)
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

output "topics" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); nothing secret."
  value = {
    for k, c in local.topics : k => {
      name          = aws_sns_topic.topics[k].name
      arn           = aws_sns_topic.topics[k].arn
      subscriptions = [for key, s in aws_sns_topic_subscription.topics__subscription : s.arn if startswith(key, "${k}/")]
    }
  }
}
