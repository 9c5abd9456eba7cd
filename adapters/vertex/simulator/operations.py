"""``MerchantOperations``: review decisions, capture, cancel, reject and refund.

Split out of ``SimulatedGateway`` to keep each class under the adapters' ~200-line limit (see
``core``). Operations answered 202 are checked when requested and queued; ``core`` drains the
queue (``run_pending``, ``advance`` or at once with ``immediate_operations``).
"""

from __future__ import annotations

from collections.abc import Callable

from orderstate.engine.money import Money

from ..models import OrderSnapshot, OrderStatus, PaymentStatus, PaymentType
from .core import Operation
from .refusals import precondition_failed
from .rules import check_cancel, check_capture, check_refund, check_reject
from .state import SimOrder, SimPayment
from .timers import Timekeeping

__all__ = ["MerchantOperations"]


class MerchantOperations(Timekeeping):
    """What the merchant asks of an order once the customer has paid (or not)."""

    def review_decision(
        self, order_number: str, *, accept: bool, shop_id: int | None = None
    ) -> OrderSnapshot:
        """Submit Antifraud Review Decision (answered 200, applied at once)."""
        with self._lock:
            order = self._find(shop_id, order_number)
            if order.status is not OrderStatus.REVIEW:
                raise precondition_failed(f"order {order_number!r} is {order.status.value}")
            order.review_until = None
            charge = order.charge_in(PaymentStatus.IN_PROGRESS)
            if accept and charge is not None:
                self._settle(order, charge)
            else:
                self._fail_review(order)
            return order.snapshot()

    def capture(self, order_number: str, *, shop_id: int | None = None) -> None:
        """Request a full capture of a two-stage order (202; applied later)."""
        self._request("capture", shop_id, order_number, check_capture, self._do_capture)

    def cancel(self, order_number: str, *, shop_id: int | None = None) -> None:
        """Request a void: all payments authorized, or none at all (202; applied later)."""
        self._request("cancel", shop_id, order_number, check_cancel, self._do_cancel)

    def reject(self, order_number: str, *, shop_id: int | None = None) -> None:
        """Request a force-cancel of an order whose payment is not completed (202; later)."""
        self._request("reject", shop_id, order_number, check_reject, self._do_reject)

    def refund(self, order_number: str, amount: Money, *, shop_id: int | None = None) -> None:
        """Request a (partial) refund; the amount is reserved at once (202; applied later)."""
        with self._lock:
            order = self._find(shop_id, order_number)
            check_refund(order, amount)
            order.refunds_pending += amount.minor

            def apply() -> None:
                order.refunds_pending -= amount.minor
                check_refund(order, amount)
                self._do_refund(order, amount)

            self._enqueue(Operation("refund", order, apply))

    def _request(
        self,
        kind: str,
        shop_id: int | None,
        order_number: str,
        check: Callable[[SimOrder], None],
        perform: Callable[[SimOrder], None],
    ) -> None:
        with self._lock:
            order = self._find(shop_id, order_number)
            check(order)

            def apply() -> None:
                check(order)
                perform(order)

            self._enqueue(Operation(kind, order, apply))

    def _enqueue(self, operation: Operation) -> None:
        self._operations.append(operation)
        if self.immediate_operations:
            self._run_operations()

    def _do_capture(self, order: SimOrder) -> None:
        for payment in order.payments:
            if payment.status is PaymentStatus.AUTHORIZED:
                payment.status = PaymentStatus.COMPLETED
        self._start_clearing(order, notified=False)

    def _do_cancel(self, order: SimOrder) -> None:
        for payment in order.payments:
            payment.status = PaymentStatus.CANCELLED
        self._set_status(order, OrderStatus.CANCELLED)

    def _do_reject(self, order: SimOrder) -> None:
        for payment in order.payments:
            payment.status = PaymentStatus.CANCELLED
        self._set_status(order, OrderStatus.REJECTED)

    def _do_refund(self, order: SimOrder, amount: Money) -> None:
        order.payments.append(SimPayment(PaymentStatus.COMPLETED, amount, PaymentType.REFUND))
        charge = order.charge_in(PaymentStatus.COMPLETED, PaymentStatus.PARTIALLY_REFUNDED)
        full = order.refunded >= (order.cost if charge is None else charge.amount)
        if charge is not None:
            charge.status = PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED
        status = OrderStatus.REFUNDED if full else OrderStatus.PARTIALLY_REFUNDED
        if order.status is status:
            self._notify(order)  # a second partial refund changes payments[], not the status
        else:
            self._set_status(order, status)

    def _settle(self, order: SimOrder, charge: SimPayment) -> None:
        """The payment went through: completed (single-stage) or authorized (two-stage)."""
        charge.status = PaymentStatus.COMPLETED if order.auto_capture else PaymentStatus.AUTHORIZED
        if charge.amount != order.cost:
            self._set_status(order, OrderStatus.NEED_ACTION)
            return
        resumed = order.status is not OrderStatus.IN_PROGRESS
        if resumed:
            self._set_status(order, OrderStatus.IN_PROGRESS)
        if order.auto_capture:
            self._start_clearing(order, notified=resumed)
        elif not resumed:
            self._payment_changed(order)
