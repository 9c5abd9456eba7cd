"""The order service: placing, callbacks through a durable inbox, merchant requests, the
periodic jobs, the replay audit, and the followers of its log (the persisted read model, the
outbox's confirmation emails, the shop's own side effects), on one event store.

It reaches providers only through the port (``orderstate.adapters.port``); build one with the
composition root (``orderstate.adapters.bootstrap.build_service``), which registers them.
"""

from orderstate.adapters.port import Customer, Operation, Outcome, Shop

from .application import OrderService
from .callbacks import InboxItemSettled
from .followers import Backoff, Follower, FollowerStatus
from .groupcommit import Batching, GroupCommit, GroupCommitClosed, GroupCommitStats
from .inbox import InboxItem
from .jobs import ExpiryStatus, Polled
from .outbox import ConfirmationEmail, Mailer, RecordingMailer
from .providers import Providers, UnknownProvider
from .readmodel import StateTotal
from .readstore import OrderPage, OrderQuery, OrderRow
from .unreadable import UnreadableEvent, UnreadableHistory
from .views import (
    CallbackResult,
    Listener,
    OrderUpdate,
    OrderView,
    ReplayReport,
    UnknownInboxItem,
    UnknownOrder,
)

__all__ = [
    "Backoff",
    "Batching",
    "CallbackResult",
    "ConfirmationEmail",
    "Customer",
    "ExpiryStatus",
    "Follower",
    "FollowerStatus",
    "GroupCommit",
    "GroupCommitClosed",
    "GroupCommitStats",
    "InboxItem",
    "InboxItemSettled",
    "Listener",
    "Mailer",
    "Operation",
    "OrderPage",
    "OrderQuery",
    "OrderRow",
    "OrderService",
    "OrderUpdate",
    "OrderView",
    "Outcome",
    "Polled",
    "Providers",
    "RecordingMailer",
    "ReplayReport",
    "Shop",
    "StateTotal",
    "UnknownInboxItem",
    "UnknownOrder",
    "UnknownProvider",
    "UnreadableEvent",
    "UnreadableHistory",
]
