//! The push inbox: receipts of WeChat's pushes and their processing marks.
