"""Work orders at the station: received or entered, run on a machine, counted from its part
counters, with an ETA and a delivery-risk flag (docs/ORDERS.md)."""

from app.orders.model import OrderStatus, Risk, WorkOrder, order_risk
from app.orders.store import OrderBook, OrderError

__all__ = ["OrderBook", "OrderError", "OrderStatus", "Risk", "WorkOrder", "order_risk"]
