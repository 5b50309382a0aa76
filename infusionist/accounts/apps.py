from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "infusionist.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"
