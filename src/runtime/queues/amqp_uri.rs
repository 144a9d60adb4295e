//! What an AMQP event names, read as Conductor's `AMQPSettings.fromURI` reads it:
//! `amqp_queue:NAME`, `amqp_exchange:NAME` (and `amqp:NAME`, the older module's name for a
//! queue), each with optional `?key=value&...` parameters: `durable`, `exclusive`, `autoDelete`,
//! `deliveryMode`, `maxPriority`; for exchanges also `exchangeType` (default `topic`),
//! `routingKey` (default empty) and `bindQueueName` (the queue a handler reads, default
//! `bound_to_NAME`). Parameter names are matched ignoring case, as Conductor does.

/// Where an event's messages go and come from on the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `Some(exchange type)` for `amqp_exchange:`; `None` for a queue.
    pub exchange_type: Option<String>,
    /// The queue's or the exchange's name.
    pub name: String,
    pub routing_key: String,
    pub bound_queue: String,
    pub durable: bool,
    pub exclusive: bool,
    pub auto_delete: bool,
    /// 2: persistent (Conductor's default), 1: transient.
    pub delivery_mode: u8,
    pub max_priority: Option<i32>,
}

impl Target {
    /// The queue a handler of this event reads.
    pub fn queue(&self) -> &str {
        match self.exchange_type {
            Some(_) => &self.bound_queue,
            None => &self.name,
        }
    }
}

/// Reads `event` (`amqp_queue:orders?durable=false`). `Err` says what is wrong with it.
pub fn parse(event: &str) -> Result<Target, String> {
    let (kind, rest) = event
        .split_once(':')
        .ok_or_else(|| format!("\"{event}\" is not an AMQP event (amqp_queue:NAME)"))?;
    let exchange = match kind {
        "amqp" | "amqp_queue" => false,
        "amqp_exchange" => true,
        _ => {
            return Err(format!(
                "\"{event}\" is not an AMQP event (amqp_queue:NAME)"
            ));
        }
    };
    let (name, params) = rest.split_once('?').unwrap_or((rest, ""));
    if name.is_empty() {
        return Err(format!(
            "\"{event}\" names no queue or exchange: write {kind}:NAME"
        ));
    }
    let mut t = Target {
        exchange_type: exchange.then(|| "topic".to_string()),
        name: name.to_string(),
        routing_key: String::new(),
        bound_queue: format!("bound_to_{name}"),
        durable: true,
        exclusive: false,
        auto_delete: false,
        delivery_mode: 2,
        max_priority: None,
    };
    for param in params.split('&').filter(|p| !p.trim().is_empty()) {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        let flag = || value.eq_ignore_ascii_case("true");
        match key.to_ascii_lowercase().as_str() {
            "exchangetype" if exchange => {
                if value.is_empty() {
                    return Err(format!("{event}: the provided exchange type is empty"));
                }
                t.exchange_type = Some(value.to_string());
            }
            "bindqueuename" if !value.is_empty() => t.bound_queue = value.to_string(),
            "routingkey" => {
                if value.is_empty() {
                    return Err(format!("{event}: the provided routing key is empty"));
                }
                t.routing_key = value.to_string();
            }
            "durable" => t.durable = flag(),
            "exclusive" => t.exclusive = flag(),
            "autodelete" => t.auto_delete = flag(),
            "deliverymode" => {
                t.delivery_mode = match value.parse::<u8>() {
                    Ok(m @ (1 | 2)) => m,
                    _ => {
                        return Err(format!(
                            "{event}: deliveryMode must be 1 (transient) or 2 (persistent), not {value}"
                        ));
                    }
                }
            }
            "maxpriority" => {
                t.max_priority = Some(value.parse().map_err(|_| {
                    format!("{event}: maxPriority must be a whole number, not {value}")
                })?)
            }
            _ => {}
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_is_durable_and_persistent_by_default() {
        let t = parse("amqp_queue:orders").unwrap();
        assert_eq!(t.exchange_type, None);
        assert_eq!(t.queue(), "orders");
        assert!(t.durable && !t.exclusive && !t.auto_delete);
        assert_eq!(t.delivery_mode, 2);
        assert_eq!(parse("amqp:orders").unwrap(), t);
    }

    #[test]
    fn an_exchange_takes_its_type_key_and_queue_from_parameters() {
        let t = parse(
            "amqp_exchange:events?exchangeType=direct&routingKey=order.ready&bindQueueName=mine&durable=false&maxPriority=5",
        )
        .unwrap();
        assert_eq!(t.exchange_type.as_deref(), Some("direct"));
        assert_eq!(t.name, "events");
        assert_eq!(t.routing_key, "order.ready");
        assert_eq!(t.queue(), "mine");
        assert!(!t.durable);
        assert_eq!(t.max_priority, Some(5));
        let plain = parse("amqp_exchange:events").unwrap();
        assert_eq!(plain.exchange_type.as_deref(), Some("topic"));
        assert_eq!(plain.queue(), "bound_to_events");
    }

    #[test]
    fn bad_parameters_say_what_is_wrong() {
        for (event, says) in [
            ("amqp_queue:", "names no queue"),
            ("amqp_exchange:x?routingKey=", "routing key is empty"),
            ("amqp_queue:x?deliveryMode=3", "deliveryMode must be 1"),
            ("amqp_queue:x?maxPriority=high", "maxPriority must be"),
            ("nats:x", "not an AMQP event"),
        ] {
            let e = parse(event).unwrap_err();
            assert!(e.contains(says), "{event}: {e}");
        }
    }
}
