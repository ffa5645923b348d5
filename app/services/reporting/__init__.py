"""统计报送: period statistics per unit, dispute type and procedure, and the .xlsx a 司法局 submits."""
