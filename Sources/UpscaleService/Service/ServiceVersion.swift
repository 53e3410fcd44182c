/// This build's version, as `smsr --version` and `/openapi.json` tell it.
public enum ServiceVersion {
    public static let current = "0.2.0"
}
