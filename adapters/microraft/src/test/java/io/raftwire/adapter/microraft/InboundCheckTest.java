package io.raftwire.adapter.microraft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.microraft.model.message.RaftMessage;
import io.raftwire.adapter.microraft.MalformedMessageException.Problem;
import io.raftwire.message.RaftEnvelope;
import io.raftwire.topology.RangeId;
import io.raftwire.topology.ReplicaAddress;
import io.raftwire.topology.StoreId;
import org.junit.jupiter.api.Test;

/** The identity rule for each MicroRaft message type: the honest message passes, each forgery is refused. */
class InboundCheckTest {
  private static final StoreId ATTACKER = StoreId.of(9);
  private final MicroRaftCodec codec = new MicroRaftCodec(new StringOperations());

  /** The message as its sender's adapter sends it, decoded at its target. */
  private RaftEnvelope honest(RaftMessage message) {
    return codec.encode(message, MicroRaftCodecTest.target(message));
  }

  private Problem refusal(RaftEnvelope envelope, StoreId receiver) throws Exception {
    RaftMessage decoded = codec.decode(envelope);
    return assertThrows(MalformedMessageException.class, () -> new InboundCheck(receiver).check(envelope, decoded),
        decoded.toString()).problem();
  }

  @Test
  void theHonestMessageOfEveryTypePassesAtItsTarget() throws Exception {
    for (RaftMessage message : MicroRaftCodecTest.everyMessage()) {
      RaftEnvelope envelope = honest(message);
      new InboundCheck(envelope.to().store()).check(envelope, codec.decode(envelope));
    }
  }

  @Test
  void aMessageOfAnyTypeThatClaimsAnotherStoreAsItsSenderIsRefused() throws Exception {
    for (RaftMessage message : MicroRaftCodecTest.everyMessage()) {
      // Store 9 relays (or makes up) a message whose payload names the real sender.
      RaftEnvelope forged = honest(message).toBuilder().from(ReplicaAddress.of(ATTACKER, ATTACKER.value())).build();
      assertEquals(Problem.WRONG_SENDER, refusal(forged, forged.to().store()), message.toString());
    }
  }

  @Test
  void aMessageOfAnyTypeForAnotherGroupThanItsRangeIsRefused() throws Exception {
    for (RaftMessage message : MicroRaftCodecTest.everyMessage()) {
      RaftEnvelope envelope = honest(message);
      RaftEnvelope otherRange = envelope.toBuilder().range(RangeId.of(envelope.range().value() + 1)).build();
      assertEquals(Problem.WRONG_GROUP, refusal(otherRange, envelope.to().store()), message.toString());
    }
  }

  @Test
  void aMessageOfAnyTypeAddressedToAnotherStoreIsRefused() throws Exception {
    for (RaftMessage message : MicroRaftCodecTest.everyMessage()) {
      RaftEnvelope envelope = honest(message);
      assertEquals(Problem.WRONG_DESTINATION, refusal(envelope, ATTACKER), message.toString());
    }
  }
}
