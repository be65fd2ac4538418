//! Frames carried inside PACKET_IN and PACKET_OUT: Ethernet, 802.1Q/802.1ad, ARP, IPv4,
//! IPv6, ICMP, ICMPv6, TCP, UDP and LLDP.
