# databases, caches, nosql_tables.

resource "terraform_data" "databases" {
  for_each   = local.databases
  input      = each.value
  depends_on = [terraform_data.network__ready]
}

resource "terraform_data" "databases__ready" {
  for_each         = local.databases
  triggers_replace = local.ready_triggers["databases/${each.key}"]
  depends_on       = [terraform_data.databases]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = local.ready_env["databases/${each.key}"]
  }
}

resource "terraform_data" "caches" {
  for_each   = local.caches
  input      = each.value
  depends_on = [terraform_data.network__ready]
}

resource "terraform_data" "caches__ready" {
  for_each         = local.caches
  triggers_replace = local.ready_triggers["caches/${each.key}"]
  depends_on       = [terraform_data.caches]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = local.ready_env["caches/${each.key}"]
  }
}

resource "terraform_data" "nosql_tables" {
  for_each = local.nosql_tables
  input    = each.value
}

resource "terraform_data" "nosql_tables__ready" {
  for_each         = local.nosql_tables
  triggers_replace = local.ready_triggers["nosql_tables/${each.key}"]
  depends_on       = [terraform_data.nosql_tables]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = local.ready_env["nosql_tables/${each.key}"]
  }
}
