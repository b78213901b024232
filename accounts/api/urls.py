from rest_framework.routers import BaseRouter

from .views import AccountViewSet, ContactViewSet, ContractViewSet, ImportJobViewSet, SegmentViewSet


def register(router: BaseRouter) -> None:
    router.register("accounts", AccountViewSet, basename="account")
    router.register("contacts", ContactViewSet, basename="contact")
    router.register("contracts", ContractViewSet, basename="contract")
    router.register("segments", SegmentViewSet, basename="segment")
    router.register("import-jobs", ImportJobViewSet, basename="import-job")
