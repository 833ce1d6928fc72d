package io.raftwire.example.admin;

/** A change or read of a setting a store does not have; the message lists the ones it has. */
public final class UnknownSettingException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  UnknownSettingException(String name, java.util.Collection<String> known) {
    super("no setting named '" + name + "'; the settings are " + String.join(", ", known));
  }
}
