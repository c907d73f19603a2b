# nosql_tables: DynamoDB. Keys are strings (type S). Provisioned tables start at 5 read and 5 write
# capacity units (the catalogue has no capacity setting; scale them in the console or add
# autoscaling). Encrypted with the AWS-managed KMS key, point-in-time recovery when asked,
# deletion protection in production.

variable "nosql_tables" {
  type    = any
  default = {}
}

locals {
  nosql_tables = merge(var.nosql_tables)
}

resource "aws_dynamodb_table" "nosql_tables" {
  for_each       = local.nosql_tables
  name           = local.rn["nosql_tables/${each.key}"]
  billing_mode   = try(each.value.billing_mode, "on_demand") == "provisioned" ? "PROVISIONED" : "PAY_PER_REQUEST"
  read_capacity  = try(each.value.billing_mode, "on_demand") == "provisioned" ? 5 : null
  write_capacity = try(each.value.billing_mode, "on_demand") == "provisioned" ? 5 : null
  hash_key       = each.value.partition_key
  range_key      = try(each.value.sort_key, null)

  attribute {
    name = each.value.partition_key
    type = "S"
  }

  dynamic "attribute" {
    for_each = try(each.value.sort_key, null) == null ? [] : [each.value.sort_key]
    content {
      name = attribute.value
      type = "S"
    }
  }

  dynamic "ttl" {
    for_each = try(each.value.ttl_attribute, null) == null ? [] : [each.value.ttl_attribute]
    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  point_in_time_recovery {
    enabled = try(each.value.point_in_time_recovery, false)
  }

  server_side_encryption {
    enabled = true
  }

  deletion_protection_enabled = local.is_production
}

output "nosql_tables" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); nothing secret."
  value = {
    for k, c in local.nosql_tables : k => {
      name          = aws_dynamodb_table.nosql_tables[k].name
      arn           = aws_dynamodb_table.nosql_tables[k].arn
      endpoint      = "https://dynamodb.${var.region}.${data.aws_partition.current.dns_suffix}"
      partition_key = aws_dynamodb_table.nosql_tables[k].hash_key
      sort_key      = try(c.sort_key, null)
      billing_mode  = try(c.billing_mode, null)
    }
  }
}
