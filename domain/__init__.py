"""The payment domain: money, the Payment aggregate, its states, events and errors."""
