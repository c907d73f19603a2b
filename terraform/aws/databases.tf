# databases: RDS for PostgreSQL or MySQL (one instance; Multi-AZ with a synchronous standby when
# high_availability), in the private subnets, reachable from the VPC only, TLS enforced, storage
# encrypted, the master password generated and kept by RDS in Secrets Manager (never in Terraform).

variable "databases" {
  type    = any
  default = {}
  validation {
    condition     = try(length(var.databases), 0) == 0 || var.network != null
    error_message = "databases: the vine needs a network (RDS runs in its private subnets)."
  }
}

locals {
  databases = merge(var.databases)
  db_port   = { for k, c in local.databases : k => try(c.engine, "postgres") == "mysql" ? 3306 : 5432 }
  db_version_parts = {
    for k, c in local.databases : k => split(".", tostring(try(c.engine_version, try(c.engine, "postgres") == "mysql" ? "8.0" : "16")))
  }
  # The parameter group family follows the major version: postgres16, mysql8.0.
  db_family = {
    for k, c in local.databases : k => try(c.engine, "postgres") == "mysql"
    ? "mysql${local.db_version_parts[k][0]}.${try(local.db_version_parts[k][1], "0")}"
    : "postgres${local.db_version_parts[k][0]}"
  }
  db_name = { for k, c in local.databases : k => replace(k, "-", "_") }
}

resource "aws_db_subnet_group" "databases" {
  for_each   = local.databases
  name       = local.name["databases/${each.key}"]["63"]
  subnet_ids = local.private_subnet_ids

  lifecycle {
    precondition {
      condition     = local.vpc_id != null && length(local.private_subnet_ids) >= 2
      error_message = "databases: the vine needs a network with private subnets in two zones at least."
    }
  }
}

resource "aws_security_group" "databases" {
  for_each    = local.databases
  name        = "${local.name["databases/${each.key}"]["63"]}-db"
  description = "Vintner database ${each.key}: ${try(each.value.engine, "postgres")} from inside the VPC only"
  vpc_id      = local.vpc_id
  tags        = { Name = "${local.name["databases/${each.key}"]["63"]}-db" }
  # No egress rule: a database starts no connection.
}

resource "aws_vpc_security_group_ingress_rule" "databases" {
  for_each          = local.databases
  security_group_id = aws_security_group.databases[each.key].id
  description       = "${try(each.value.engine, "postgres")} from the VPC"
  ip_protocol       = "tcp"
  from_port         = local.db_port[each.key]
  to_port           = local.db_port[each.key]
  cidr_ipv4         = local.vpc_cidr
}

resource "aws_db_parameter_group" "databases" {
  for_each    = local.databases
  name_prefix = "${local.name["databases/${each.key}"]["55"]}-"
  family      = local.db_family[each.key]
  description = "Vintner database ${each.key}: TLS required"

  parameter {
    name  = try(each.value.engine, "postgres") == "mysql" ? "require_secure_transport" : "rds.force_ssl"
    value = try(each.value.engine, "postgres") == "mysql" ? "ON" : "1"
  }

  lifecycle {
    create_before_destroy = true # a major version upgrade swaps the group under a live instance
  }
}

resource "aws_db_instance" "databases" {
  for_each       = local.databases
  identifier     = local.name["databases/${each.key}"]["63"]
  engine         = try(each.value.engine, "postgres")
  engine_version = tostring(try(each.value.engine_version, try(each.value.engine, "postgres") == "mysql" ? "8.0" : "16"))
  instance_class = local.sizes.db[try(each.value.size, "small")]

  # gp3; RDS needs 20 GiB at least for PostgreSQL and MySQL.
  allocated_storage = max(try(each.value.storage_gb, 20), 20)
  storage_type      = "gp3"
  storage_encrypted = true

  db_name                     = local.db_name[each.key]
  username                    = "vintner"
  manage_master_user_password = true
  port                        = local.db_port[each.key]

  db_subnet_group_name   = aws_db_subnet_group.databases[each.key].name
  vpc_security_group_ids = [aws_security_group.databases[each.key].id]
  parameter_group_name   = aws_db_parameter_group.databases[each.key].name
  publicly_accessible    = false
  multi_az               = try(each.value.high_availability, false)

  backup_retention_period    = try(each.value.backup_retention_days, 1)
  copy_tags_to_snapshot      = true
  auto_minor_version_upgrade = true
  # Production waits for the maintenance window; the other stages apply changes at once.
  apply_immediately = !local.is_production

  deletion_protection       = local.is_production
  skip_final_snapshot       = !local.is_production
  final_snapshot_identifier = local.is_production ? "${local.name["databases/${each.key}"]["55"]}-final" : null
  # Development and staging: destroy leaves no automated backup behind either.
  delete_automated_backups = !local.is_production
}

output "databases" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); nothing secret."
  value = {
    for k, c in local.databases : k => {
      id              = aws_db_instance.databases[k].identifier
      arn             = aws_db_instance.databases[k].arn
      host            = aws_db_instance.databases[k].address
      port            = aws_db_instance.databases[k].port
      endpoint        = aws_db_instance.databases[k].endpoint
      reader_host     = null # Multi-AZ's standby takes no reads; there is no reader endpoint
      engine          = aws_db_instance.databases[k].engine
      engine_version  = aws_db_instance.databases[k].engine_version_actual
      instance_class  = aws_db_instance.databases[k].instance_class
      storage_gb      = aws_db_instance.databases[k].allocated_storage
      database_name   = aws_db_instance.databases[k].db_name
      username        = aws_db_instance.databases[k].username
      password_secret = aws_db_instance.databases[k].master_user_secret[0].secret_arn
      url = format("%s://%s@%s:%d/%s",
        try(c.engine, "postgres") == "mysql" ? "mysql" : "postgres",
        aws_db_instance.databases[k].username,
        aws_db_instance.databases[k].address,
        aws_db_instance.databases[k].port,
        aws_db_instance.databases[k].db_name,
      )
    }
  }
}
