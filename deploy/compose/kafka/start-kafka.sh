#!/bin/bash
# Starts the official apache/kafka image as the local runner starts its broker
# (deploy/local/sentra_local/kafka.py; why each setting: docs/kafka-access.md): KRaft,
# SASL/SCRAM-SHA-512 for every client and for the broker itself, SASL/PLAIN with one
# static user on the controller listener, ACLs with nothing allowed unless granted.
# The passwords come from the environment (deploy/compose/.env), never from this file.
set -euo pipefail
: "${KAFKA_ADMIN_PASSWORD:?set it in deploy/compose/.env}"
: "${KAFKA_CONTROLLER_PASSWORD:?set it in deploy/compose/.env}"
: "${KAFKA_CLUSTER_ID:?set it in deploy/compose/.env}"

config=/tmp/server.properties
umask 077  # the file holds passwords
cat > "$config" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=kafka:9093
listeners=INTERNAL://:9092,CONTROLLER://:9093,EXTERNAL://:19092
advertised.listeners=INTERNAL://kafka:9092,EXTERNAL://localhost:19092
listener.security.protocol.map=INTERNAL:SASL_PLAINTEXT,EXTERNAL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=INTERNAL
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.internal.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${KAFKA_ADMIN_PASSWORD}";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="${KAFKA_CONTROLLER_PASSWORD}" user_controller="${KAFKA_CONTROLLER_PASSWORD}";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:controller
log.dirs=/var/lib/kafka/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPERTIES

# The super user exists before the first start: the broker signs in to itself with it
# and creates every other user. A formatted volume is left as it is.
/opt/kafka/bin/kafka-storage.sh format --standalone --ignore-formatted \
    "--cluster-id=${KAFKA_CLUSTER_ID}" \
    --add-scram "SCRAM-SHA-512=[name=admin,password=${KAFKA_ADMIN_PASSWORD}]" \
    -c "$config"
exec /opt/kafka/bin/kafka-server-start.sh "$config"
