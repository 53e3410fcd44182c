public enum SMSREngine {}
