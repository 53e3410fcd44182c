print("smsr")
